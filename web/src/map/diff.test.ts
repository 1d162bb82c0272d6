import { describe, expect, it } from 'vitest';
import type { Coverage, CoverageRegion } from '../api';
import { diffCoverage, endpointShares, regionKey } from './diff';

function region(
  country: string,
  subdivision: string | null,
  name: string,
  endpoint: number | null,
  shares?: [number, number][],
): CoverageRegion {
  return {
    country,
    subdivision,
    name,
    continent: 'EU',
    endpoint,
    shares: shares ?? (endpoint === null ? [] : [[endpoint, 1]]),
    coordinates: null,
  };
}

// Version A: eu answers Europe, us answers the US; Germany is split 50/50 by weight.
const A: Coverage = {
  record_type: 'A',
  endpoints: [
    { id: 'eu', value: '192.0.2.1', type: 'value' },
    { id: 'us', value: '192.0.2.2', type: 'value' },
  ],
  regions: [
    region('GB', null, 'United Kingdom', 0),
    region('FR', null, 'France', 0),
    region('DE', null, 'Germany', 0, [
      [0, 0.5],
      [1, 0.5],
    ]),
    region('US', null, 'United States', 1),
    region('US', 'CA', 'California', 1),
    region('BR', null, 'Brazil', null),
  ],
  grid: null,
  elapsed_ms: 3,
};

// Version B lists endpoints in another order and adds one: indices differ, ids do not.
const B: Coverage = {
  record_type: 'A',
  endpoints: [
    { id: 'us', value: '192.0.2.2', type: 'value' },
    { id: 'sa', value: '192.0.2.3', type: 'value' },
    { id: 'eu', value: '192.0.2.1', type: 'value' },
  ],
  regions: [
    region('GB', null, 'United Kingdom', 2),
    region('FR', null, 'France', 0),
    region('DE', null, 'Germany', 2),
    region('US', null, 'United States', 0),
    region('US', 'CA', 'California', null),
    region('BR', null, 'Brazil', 1),
  ],
  grid: null,
  elapsed_ms: 4,
};

describe('regionKey', () => {
  it('names countries by code and subdivisions by country-subdivision', () => {
    expect(regionKey({ country: 'GB', subdivision: null })).toBe('GB');
    expect(regionKey({ country: 'US', subdivision: 'CA' })).toBe('US-CA');
    expect(regionKey({ country: 'UA', subdivision: '30' })).toBe('UA-30');
  });
});

describe('diffCoverage', () => {
  const d = diffCoverage(A, B);

  it('lists regions whose answer changes, by name, comparing ids not indices', () => {
    expect(d.moved).toEqual([
      { country: 'BR', subdivision: null, name: 'Brazil', from: null, to: 'sa', fromShares: null, toShares: 'sa' },
      { country: 'US', subdivision: 'CA', name: 'California', from: 'us', to: null, fromShares: 'us', toShares: null },
      { country: 'FR', subdivision: null, name: 'France', from: 'eu', to: 'us', fromShares: 'eu', toShares: 'us' },
      // The dominant stays eu, but half of Germany's answers move from us to eu.
      { country: 'DE', subdivision: null, name: 'Germany', from: 'eu', to: 'eu', fromShares: 'eu 50% · us 50%', toShares: 'eu' },
    ]);
  });

  it('weighs every region equally when computing shares, sorted by endpoint id', () => {
    // A: eu = (1 + 1 + 0.5) / 6, us = (0.5 + 1 + 1) / 6. B: eu = 2/6, sa = 1/6, us = 2/6.
    expect(d.shares.map((s) => s.endpoint)).toEqual(['eu', 'sa', 'us']);
    const byId = Object.fromEntries(d.shares.map((s) => [s.endpoint, s]));
    expect(byId.eu.before).toBeCloseTo(2.5 / 6, 12);
    expect(byId.eu.after).toBeCloseTo(2 / 6, 12);
    expect(byId.sa.before).toBe(0);
    expect(byId.sa.after).toBeCloseTo(1 / 6, 12);
    expect(byId.us.before).toBeCloseTo(2.5 / 6, 12);
    expect(byId.us.after).toBeCloseTo(2 / 6, 12);
  });

  it('finds nothing between a coverage and itself, whatever the endpoint order', () => {
    const reordered: Coverage = {
      ...A,
      endpoints: [A.endpoints[1], A.endpoints[0]],
      regions: A.regions.map((r) => {
        const swap = (i: number) => 1 - i;
        return { ...r, endpoint: r.endpoint === null ? null : swap(r.endpoint), shares: r.shares.map(([i, f]) => [swap(i), f]) };
      }),
    };
    const same = diffCoverage(A, reordered);
    expect(same.moved).toEqual([]);
    for (const s of same.shares) expect(s.after).toBeCloseTo(s.before, 12);
  });

  it('treats a region missing on one side as no answer there', () => {
    const fewer: Coverage = { ...B, regions: B.regions.filter((r) => r.country !== 'GB') };
    const m = diffCoverage(fewer, B).moved.find((x) => x.country === 'GB');
    expect(m).toEqual({ country: 'GB', subdivision: null, name: 'United Kingdom', from: null, to: 'eu', fromShares: null, toShares: 'eu' });
    expect(diffCoverage(B, fewer).moved.find((x) => x.country === 'GB')).toMatchObject({ from: 'eu', to: null, toShares: null });
  });

  /** One region answered by endpoints x and y with the given shares; the dominant is the larger. */
  function splitOf(endpoints: string[], shares: [number, number][]): Coverage {
    const top = [...shares].sort((p, q) => q[1] - p[1] || p[0] - q[0])[0];
    return {
      record_type: 'A',
      endpoints: endpoints.map((id, i) => ({ id, value: `192.0.2.${i + 1}`, type: 'value' })),
      regions: [region('FR', null, 'France', top ? top[0] : null, shares)],
      grid: null,
      elapsed_ms: 1,
    };
  }

  it('does not list a split whose dominant endpoint flips between near-equal shares', () => {
    // 64 samples: 33 against 31, then 31 against 33.
    const v1 = splitOf(['endpoint_2', 'endpoint_3'], [
      [0, 33 / 64],
      [1, 31 / 64],
    ]);
    const v2 = splitOf(['endpoint_2', 'endpoint_3'], [
      [0, 31 / 64],
      [1, 33 / 64],
    ]);
    expect(v1.regions[0].endpoint).toBe(0);
    expect(v2.regions[0].endpoint).toBe(1);
    expect(diffCoverage(v1, v2).moved).toEqual([]);
    // Exactly 10% of the answers moving is not a change yet; 12% is.
    const at = (p: number) => splitOf(['a', 'b'], [
      [0, p],
      [1, 1 - p],
    ]);
    expect(diffCoverage(at(0.55), at(0.45)).moved).toEqual([]);
    expect(diffCoverage(at(0.56), at(0.44)).moved).toEqual([
      {
        country: 'FR',
        subdivision: null,
        name: 'France',
        from: 'a',
        to: 'b',
        fromShares: 'a 56% · b 44%',
        toShares: 'b 56% · a 44%',
      },
    ]);
  });

  it('lists a region that goes from one endpoint to a 50/50 split, with the same dominant', () => {
    const v1 = splitOf(['a', 'b'], [[0, 1]]);
    const v2 = splitOf(['a', 'b'], [
      [0, 0.5],
      [1, 0.5],
    ]);
    const expected = { country: 'FR', subdivision: null, name: 'France', from: 'a', to: 'a', fromShares: 'a', toShares: 'a 50% · b 50%' };
    expect(diffCoverage(v1, v2).moved).toEqual([expected]);
    expect(diffCoverage(v2, v1).moved).toEqual([
      { ...expected, fromShares: expected.toShares, toShares: expected.fromShares },
    ]);
  });

  it('matches shares by endpoint id when the two versions list the endpoints in another order', () => {
    const v1 = splitOf(['x', 'y', 'z'], [
      [0, 0.6],
      [1, 0.4],
    ]);
    // The same answer (x 60%, y 40%) with the endpoints listed backwards.
    const same = splitOf(['z', 'y', 'x'], [
      [2, 0.6],
      [1, 0.4],
    ]);
    expect(diffCoverage(v1, same).moved).toEqual([]);
    // The same indices now name z and y: 60% of the answers move from x to z.
    const other = splitOf(['z', 'y', 'x'], [
      [0, 0.6],
      [1, 0.4],
    ]);
    expect(diffCoverage(v1, other).moved).toEqual([
      {
        country: 'FR',
        subdivision: null,
        name: 'France',
        from: 'x',
        to: 'z',
        fromShares: 'x 60% · y 40%',
        toShares: 'z 60% · y 40%',
      },
    ]);
  });

  it('gives zero shares for a coverage without regions', () => {
    const empty: Coverage = { ...A, regions: [] };
    expect([...endpointShares(empty).values()]).toEqual([0, 0]);
  });
});
