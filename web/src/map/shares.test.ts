import { describe, expect, it } from 'vitest';
import type { Coverage, CoverageRegion } from '../api';
import { describeShares, isSplit, percent, shareDistance, sharesAttribute, sharesById, sharesDiffer, type IdShare } from './shares';

const C: Coverage = {
  record_type: 'A',
  endpoints: [
    { id: 'endpoint_1', value: '192.0.2.1', type: 'value' },
    { id: 'endpoint_3', value: '192.0.2.3', type: 'value' },
    { id: 'endpoint_2', value: '192.0.2.2', type: 'value' },
  ],
  regions: [],
  grid: null,
  elapsed_ms: 1,
};

function region(endpoint: number | null, shares: [number, number][]): CoverageRegion {
  return { country: 'FR', subdivision: null, name: 'France', continent: 'EU', endpoint, shares, coordinates: null };
}

function s(id: string, share: number, index = 0): IdShare {
  return { id, index, share };
}

describe('sharesById', () => {
  it('names each share by endpoint id, largest first and by id on a tie', () => {
    expect(
      sharesById(
        C,
        region(1, [
          [0, 0.25],
          [1, 0.375],
          [2, 0.375],
        ]),
      ),
    ).toEqual([s('endpoint_2', 0.375, 2), s('endpoint_3', 0.375, 1), s('endpoint_1', 0.25, 0)]);
  });

  it('is empty without an answer, and ignores entries that name no endpoint or no positive share', () => {
    expect(sharesById(C, undefined)).toEqual([]);
    expect(sharesById(C, region(null, []))).toEqual([]);
    expect(sharesById(C, region(7, [[7, 1]]))).toEqual([]);
    expect(
      sharesById(
        C,
        region(0, [
          [0, 0.9],
          [9, 0.1],
          [1, 0],
          [2, Number.NaN],
        ]),
      ),
    ).toEqual([s('endpoint_1', 0.9)]);
  });

  it('counts an answered region without usable shares as its endpoint at 100%', () => {
    expect(sharesById(C, region(2, []))).toEqual([s('endpoint_2', 1, 2)]);
  });

  it('adds up shares of endpoints listed twice under one id', () => {
    const twice: Coverage = { ...C, endpoints: [C.endpoints[0], { ...C.endpoints[1], id: 'endpoint_1' }] };
    expect(
      sharesById(
        twice,
        region(0, [
          [0, 0.5],
          [1, 0.5],
        ]),
      ),
    ).toEqual([s('endpoint_1', 1, 0)]);
  });
});

describe('isSplit', () => {
  it('is split when the top share is below 95%', () => {
    expect(isSplit([s('a', 0.5), s('b', 0.5)])).toBe(true);
    expect(isSplit([s('a', 0.94), s('b', 0.06)])).toBe(true);
    expect(isSplit([s('a', 0.95), s('b', 0.05)])).toBe(false);
    expect(isSplit([s('a', 61 / 64), s('b', 3 / 64)])).toBe(false);
    expect(isSplit([s('a', 1)])).toBe(false);
    expect(isSplit([])).toBe(false);
    // Half of the draws gave no answer at all.
    expect(isSplit([s('a', 0.5)])).toBe(true);
  });

  it('is split when every answer holds several endpoints (multivalue)', () => {
    expect(isSplit([s('a', 1), s('b', 1)])).toBe(true);
    expect(isSplit([s('a', 1), s('b', 0.3)])).toBe(true);
    expect(isSplit([s('a', 1), s('b', 0.02)])).toBe(false);
  });
});

describe('shareDistance', () => {
  it('is the total-variation distance, matched by id whatever the order', () => {
    expect(shareDistance([s('a', 0.5), s('b', 0.5)], [s('b', 0.5), s('a', 0.5)])).toBe(0);
    expect(shareDistance([s('a', 1)], [s('a', 0.5), s('b', 0.5)])).toBeCloseTo(0.5, 12);
    expect(shareDistance([s('a', 1)], [s('b', 1)])).toBe(1);
    expect(shareDistance([s('a', 0.6), s('b', 0.4)], [s('b', 0.3), s('c', 0.1), s('a', 0.6)])).toBeCloseTo(0.1, 12);
  });

  it('counts more than 10% of the answers moving as a change', () => {
    expect(sharesDiffer([s('a', 0.55), s('b', 0.45)], [s('a', 0.45), s('b', 0.55)])).toBe(false);
    expect(sharesDiffer([s('a', 0.56), s('b', 0.44)], [s('a', 0.44), s('b', 0.56)])).toBe(true);
    expect(sharesDiffer([s('a', 33 / 64), s('b', 31 / 64)], [s('b', 33 / 64), s('a', 31 / 64)])).toBe(false);
  });
});

describe('describeShares', () => {
  it('names one endpoint alone and a split with every share', () => {
    expect(describeShares([])).toBeNull();
    expect(describeShares([s('endpoint_1', 1)])).toBe('endpoint_1');
    expect(describeShares([s('endpoint_1', 0.97), s('endpoint_2', 0.03)])).toBe('endpoint_1');
    expect(describeShares([s('endpoint_2', 0.5), s('endpoint_3', 0.5)])).toBe('endpoint_2 50% · endpoint_3 50%');
    expect(describeShares([s('b', 33 / 64), s('a', 31 / 64)])).toBe('b 51.6% · a 48.4%');
  });
});

describe('sharesAttribute and percent', () => {
  it('lists ids in order with shares rounded to two decimals', () => {
    expect(sharesAttribute([s('endpoint_3', 0.5), s('endpoint_2', 0.5)])).toBe('endpoint_2:0.5,endpoint_3:0.5');
    expect(sharesAttribute([s('b', 33 / 64), s('a', 31 / 64)])).toBe('a:0.48,b:0.52');
    expect(percent(0.5)).toBe('50%');
    expect(percent(2 / 3)).toBe('66.7%');
  });
});
