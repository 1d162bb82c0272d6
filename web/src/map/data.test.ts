import { describe, expect, it } from 'vitest';
import world110 from 'world-atlas/countries-110m.json';
import world50 from 'world-atlas/countries-50m.json';
import usStates from 'us-atlas/states-10m.json';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import {
  FIPS_TO_USPS,
  NUMERIC_TO_ALPHA2,
  US_TERRITORIES,
  alpha2ForFeature,
  buildShapes,
  loadShapes,
  uspsForFips,
} from './data';

type Topo = Topology<{ [k: string]: GeometryCollection<{ name?: string }> }>;

function atlasFeatures(topo: unknown, object: string) {
  const t = topo as Topo;
  const fc = feature(t, t.objects[object]);
  return 'features' in fc ? fc.features : [fc];
}

describe('ISO 3166-1 numeric to alpha-2', () => {
  it('maps the examples', () => {
    expect(NUMERIC_TO_ALPHA2['826']).toBe('GB');
    expect(NUMERIC_TO_ALPHA2['250']).toBe('FR');
    expect(NUMERIC_TO_ALPHA2['840']).toBe('US');
    expect(NUMERIC_TO_ALPHA2['242']).toBe('FJ');
    expect(alpha2ForFeature({ id: '004' })).toBe('AF');
    expect(alpha2ForFeature({ id: 4 })).toBe('AF');
  });

  it('is a one-to-one table of three-digit keys and two-letter codes', () => {
    const keys = Object.keys(NUMERIC_TO_ALPHA2);
    const values = Object.values(NUMERIC_TO_ALPHA2);
    expect(keys.every((k) => /^\d{3}$/.test(k))).toBe(true);
    expect(values.every((v) => /^[A-Z]{2}$/.test(v))).toBe(true);
    expect(new Set(values).size).toBe(keys.length);
    // ISO 3166-1 assigns 249 codes.
    expect(keys.length).toBe(249);
  });

  for (const [label, atlas] of [
    ['1:110m', world110],
    ['1:50m', world50],
  ] as const) {
    it(`gives every ${label} world-atlas feature with an id an alpha-2 code`, () => {
      const fs = atlasFeatures(atlas, 'countries');
      const withId = fs.filter((f) => f.id !== undefined);
      expect(withId.length).toBeGreaterThan(170);
      const missing = withId.filter((f) => alpha2ForFeature(f) === null).map((f) => `${f.id} ${f.properties?.name}`);
      expect(missing).toEqual([]);
    });
  }

  it('gives no two 1:110m features the same code', () => {
    // (At 1:50m, Ashmore and Cartier Is. share Australia's id 036.)
    const codes = atlasFeatures(world110, 'countries').map((f) => alpha2ForFeature(f)).filter((c) => c !== null);
    expect(codes).toHaveLength(175);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('maps Kosovo by name and leaves N. Cyprus and Somaliland unassigned', () => {
    const noId = atlasFeatures(world110, 'countries').filter((f) => f.id === undefined);
    const byName = Object.fromEntries(noId.map((f) => [f.properties?.name, alpha2ForFeature(f)]));
    expect(byName).toEqual({ Kosovo: 'XK', 'N. Cyprus': null, Somaliland: null });
  });

  it('agrees with the atlas names for countries whose names are easy to confuse', () => {
    const byName = new Map(atlasFeatures(world110, 'countries').map((f) => [f.properties?.name, alpha2ForFeature(f)]));
    const expected: Record<string, string> = {
      'United Kingdom': 'GB',
      France: 'FR',
      'United States of America': 'US',
      'Dem. Rep. Congo': 'CD',
      Congo: 'CG',
      Niger: 'NE',
      Nigeria: 'NG',
      Macedonia: 'MK',
      eSwatini: 'SZ',
      Taiwan: 'TW',
      Palestine: 'PS',
      'W. Sahara': 'EH',
      'Fr. S. Antarctic Lands': 'TF',
      'Falkland Is.': 'FK',
      Austria: 'AT',
      Australia: 'AU',
      'South Korea': 'KR',
      'North Korea': 'KP',
      Georgia: 'GE',
      Montenegro: 'ME',
      Serbia: 'RS',
      'S. Sudan': 'SS',
      Sudan: 'SD',
      Guinea: 'GN',
      'Guinea-Bissau': 'GW',
      'Eq. Guinea': 'GQ',
      Slovakia: 'SK',
      Slovenia: 'SI',
      'Puerto Rico': 'PR',
      Greenland: 'GL',
    };
    for (const [name, code] of Object.entries(expected)) expect([name, byName.get(name)]).toEqual([name, code]);
  });
});

describe('FIPS to USPS', () => {
  it('maps the examples', () => {
    expect(FIPS_TO_USPS['06']).toBe('CA');
    expect(uspsForFips('06')).toBe('CA');
    expect(uspsForFips(6)).toBe('CA');
    expect(uspsForFips('11')).toBe('DC');
    expect(uspsForFips('03')).toBeNull();
    expect(uspsForFips(undefined)).toBeNull();
  });

  it('gives every us-atlas state feature a distinct USPS code that matches its name', () => {
    const fs = atlasFeatures(usStates, 'states');
    expect(fs).toHaveLength(56);
    const codes = fs.map((f) => uspsForFips(f.id));
    expect(codes.filter((c) => c === null)).toEqual([]);
    expect(new Set(codes).size).toBe(56);
    const byName = new Map(fs.map((f) => [f.properties?.name, uspsForFips(f.id)]));
    expect(byName.get('California')).toBe('CA');
    expect(byName.get('District of Columbia')).toBe('DC');
    expect(byName.get('Puerto Rico')).toBe('PR');
    expect(byName.get('Guam')).toBe('GU');
    expect(byName.get('Maine')).toBe('ME');
    expect(byName.get('Missouri')).toBe('MO');
    expect(byName.get('Mississippi')).toBe('MS');
    expect(byName.get('Michigan')).toBe('MI');
    expect(byName.get('Minnesota')).toBe('MN');
    expect(byName.get('Alaska')).toBe('AK');
    expect(byName.get('Alabama')).toBe('AL');
    expect(byName.get('Arizona')).toBe('AZ');
    expect(byName.get('Arkansas')).toBe('AR');
  });
});

describe('buildShapes', () => {
  it('splits us-atlas into 50 states plus DC and the territories world-atlas lacks', () => {
    const s = buildShapes(world110, usStates);
    expect(s.countries).toHaveLength(177);
    expect(s.states).toHaveLength(51);
    expect(s.states.every((x) => x.code && !US_TERRITORIES.has(x.code))).toBe(true);
    // Puerto Rico is already a world-atlas country, so it is not drawn twice.
    expect(s.territories.map((t) => t.code).sort()).toEqual(['AS', 'GU', 'MP', 'VI']);
    expect(s.countries.filter((c) => c.code === 'PR')).toHaveLength(1);
    expect(s.countries.filter((c) => c.code === null).map((c) => c.name).sort()).toEqual(['N. Cyprus', 'Somaliland']);
  });

  it('rejects data without the expected objects', () => {
    expect(() => buildShapes({ type: 'Topology', objects: {}, arcs: [] }, usStates)).toThrow(/"countries"/);
  });

  it('loads the atlases once', async () => {
    const a = await loadShapes();
    const b = await loadShapes();
    expect(a).toBe(b);
    expect(a.countries.find((c) => c.code === 'GB')?.name).toBe('United Kingdom');
  });
});
