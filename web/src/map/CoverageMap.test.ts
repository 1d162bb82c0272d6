import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import world110 from 'world-atlas/countries-110m.json';
import usStates from 'us-atlas/states-10m.json';
import type { Coverage, CoverageRegion } from '../api';
import { buildShapes } from './data';
import { CoverageMapView, gridPaths, regionTitle } from './CoverageMap';
import { DiffTables } from './DiffPanel';
import { diffCoverage } from './diff';
import { groupByEndpoint } from './CoveragePanel';
import { NO_ANSWER, NO_DATA, endpointColour } from './palette';

const shapes = buildShapes(world110, usStates);

const ENDPOINTS = [
  { id: 'gb', value: '192.0.2.1', type: 'value' },
  { id: 'us-west', value: '192.0.2.2', type: 'value' },
  { id: 'rest', value: '192.0.2.3', type: 'value' },
];

function r(country: string, subdivision: string | null, name: string, endpoint: number | null, extra: Partial<CoverageRegion> = {}): CoverageRegion {
  return { country, subdivision, name, continent: 'EU', endpoint, shares: endpoint === null ? [] : [[endpoint, 1]], coordinates: null, ...extra };
}

/** A coverage with an entry for every drawn country and state, as the server sends. */
function fullCoverage(): Coverage {
  const regions: CoverageRegion[] = [];
  for (const c of shapes.countries) {
    if (!c.code || c.code === 'EH') continue; // Western Sahara is not a Route 53 location
    const name = c.code === 'GB' ? 'United Kingdom' : c.name;
    regions.push(r(c.code, null, name, c.code === 'GB' ? 0 : c.code === 'AQ' ? null : 2));
  }
  for (const t of shapes.territories) regions.push(r(t.code!, null, t.name, 2));
  for (const s of shapes.states) regions.push(r('US', s.code, s.name, s.code === 'CA' || s.code === 'OR' ? 1 : 2));
  regions.push(r('SG', null, 'Singapore', 1, { coordinates: [1.35, 103.82] }));
  regions.push(r('UA', '30', 'Kyiv', 0, { coordinates: [50.45, 30.52] }));
  regions.push(r('UA', '46', 'Lvivska oblast', null));
  // A split answer (weighted rule).
  const fr = regions.find((x) => x.country === 'FR')!;
  fr.endpoint = 0;
  fr.shares = [
    [2, 0.3],
    [0, 0.7],
  ];
  return { record_type: 'A', endpoints: ENDPOINTS, regions, grid: null, elapsed_ms: 5 };
}

function render(props: Partial<Parameters<typeof CoverageMapView>[0]> = {}): string {
  return renderToStaticMarkup(createElement(CoverageMapView, { coverage: fullCoverage(), loading: false, shapes, ...props }));
}

function element(html: string, attr: string): string | undefined {
  const re = new RegExp(`<(path|circle)[^>]*${attr.replace(/[-[\]]/g, '\\$&')}[^>]*>.*?</(path|circle)>`);
  return re.exec(html)?.[0];
}

describe('CoverageMapView', () => {
  const html = render();

  it('fills each country with its dominant endpoint colour and names it on hover', () => {
    const gb = element(html, 'data-country="GB"')!;
    expect(gb).toContain(`fill="${endpointColour(0)}"`);
    expect(gb).toContain('data-endpoint="gb"');
    expect(gb).toContain('<title>United Kingdom: gb (192.0.2.1)</title>');
    const de = element(html, 'data-country="DE"')!;
    expect(de).toContain(`fill="${endpointColour(2)}"`);
    expect(de).toContain('data-endpoint="rest"');
  });

  it('lists every share of a split answer in the title', () => {
    expect(element(html, 'data-country="FR"')).toContain('<title>France: gb (192.0.2.1); shares: gb 70%, rest 30%</title>');
  });

  it('draws the US by state from the subdivision entries', () => {
    const states = html.match(/data-subdivision="US-[A-Z]{2}"/g) ?? [];
    expect(states).toHaveLength(51);
    expect(html).not.toContain('data-country="US"');
    const ca = element(html, 'data-subdivision="US-CA"')!;
    expect(ca).toContain(`fill="${endpointColour(1)}"`);
    expect(ca).toContain('data-endpoint="us-west"');
    expect(ca).toContain('<title>California: us-west (192.0.2.2)</title>');
  });

  it('draws the US as one country when the coverage has no state entries', () => {
    const c = fullCoverage();
    c.regions = c.regions.filter((x) => !(x.country === 'US' && x.subdivision));
    c.regions.push(r('US', null, 'United States', 1));
    const h = render({ coverage: c });
    expect(h).not.toContain('data-subdivision="US-');
    expect(element(h, 'data-country="US"')).toContain(`fill="${endpointColour(1)}"`);
  });

  it('marks "no answer" in grey with a hatch and unknown land as not a Route 53 location', () => {
    const aq = element(html, 'data-country="AQ"')!;
    expect(aq).toContain(`fill="${NO_ANSWER}"`);
    expect(aq).toContain('data-endpoint=""');
    expect(aq).toContain('Antarctica: no answer');
    expect(html).toMatch(/class="cm-hatches"[^>]*>(<path[^>]*fill="url\(#cm-hatch-[^"]+\)"[^>]*>(<\/path>)?)+/);
    const eh = element(html, 'data-country="EH"')!;
    expect(eh).toContain(`fill="${NO_DATA}"`);
    expect(eh).toContain('W. Sahara: not a Route 53 location');
  });

  it('draws every country once', () => {
    const codes = (html.match(/data-country="[A-Z]{2}"/g) ?? []).map((m) => m.slice(14, 16));
    expect(new Set(codes).size).toBe(codes.length);
    // 175 world-atlas countries with a code, minus the US (drawn by state), plus 4 territories and Singapore as a dot.
    expect(codes).toHaveLength(175 - 1 + 4 + 1);
  });

  it('draws regions without shapes as dots and lists subdivisions without shapes', () => {
    expect(element(html, 'data-country="SG"')).toMatch(/^<circle/);
    expect(element(html, 'data-subdivision="UA-30"')).toContain(`fill="${endpointColour(0)}"`);
    expect(html).toContain('data-unshaped-country="UA"');
    expect(html).toMatch(/<strong>gb \(192\.0\.2\.1\)<\/strong>: Kyiv/);
    expect(html).toMatch(/<strong>No answer<\/strong>: Lvivska oblast/);
  });

  it('counts countries per endpoint in the legend', () => {
    const legend = /<ul class="cm-legend"[^>]*>(.*?)<\/ul>/.exec(html)![1];
    const c = fullCoverage();
    const countries = (i: number) => c.regions.filter((x) => !x.subdivision && x.endpoint === i).length;
    expect(legend).toContain(`<li data-endpoint="gb">`);
    expect(legend).toMatch(new RegExp(`data-endpoint="gb".*?${countries(0)} countries, 1 subdivision<`));
    expect(legend).toMatch(new RegExp(`data-endpoint="us-west".*?${countries(1)} country, 2 subdivisions<`));
    expect(legend).toContain('192.0.2.3');
  });

  it('dims other endpoints when one is highlighted, and outlines a highlighted region', () => {
    const h = render({ highlight: 'us-west' });
    expect(element(h, 'data-subdivision="US-CA"')).not.toContain('cm-dim');
    expect(element(h, 'data-country="GB"')).toContain('cm-dim');
    const o = render({ highlight: 'GB' });
    expect(element(o, 'data-country="GB"')).not.toContain('cm-dim');
    expect(o).toMatch(/class="cm-outline"[^>]*><path d="M/);
  });

  it('uses the given colours by endpoint id', () => {
    const h = render({ colours: { gb: '#123456' } });
    expect(element(h, 'data-country="GB"')).toContain('fill="#123456"');
  });

  it('shows errors in an alert and a neutral map without coverage', () => {
    const h = render({ coverage: null, error: 'document: not JSON', loading: true });
    expect(h).toContain('role="alert"');
    expect(h).toContain('document: not JSON');
    expect(h).toContain('Computing coverage…');
    expect(element(h, 'data-country="GB"')).toContain(`fill="${NO_DATA}"`);
    expect(h).toContain('aria-label="Coverage map"');
    expect(h).toContain('aria-label="Zoom in"');
  });

  it('overlays the grid only when asked', () => {
    const c = fullCoverage();
    c.grid = { step: 90, lat0: -90, lon0: -180, rows: 2, cols: 4, cells: [0, 0, 1, -1, 2, 2, 2, 2] };
    expect(render({ coverage: c })).not.toContain('data-grid-endpoint');
    const h = render({ coverage: c, showGrid: true });
    expect(h.match(/data-grid-endpoint="[^"]*"/g)).toEqual([
      'data-grid-endpoint="gb"',
      'data-grid-endpoint="us-west"',
      'data-grid-endpoint="rest"',
    ]);
  });
});

describe('gridPaths', () => {
  it('merges runs of equal cells per row, skips cells without an answer, and places cells from the south-west', () => {
    const corners: [number, number][] = [];
    const identity = (p: [number, number]) => {
      corners.push(p);
      return p;
    };
    const g = gridPaths({ step: 2, lat0: 10, lon0: 20, rows: 2, cols: 3, cells: [1, 1, -1, 0, 1, 1] }, identity);
    expect(g).toEqual([
      { value: 0, d: 'M20 12L22 12L22 14L20 14Z' },
      { value: 1, d: 'M20 10L24 10L24 12L20 12ZM22 12L26 12L26 14L22 14Z' },
    ]);
  });
});

describe('regionTitle', () => {
  it('says "no answer" for a region without an endpoint', () => {
    expect(regionTitle(fullCoverage(), r('BR', null, 'Brazil', null))).toBe('Brazil: no answer');
  });
});

describe('groupByEndpoint', () => {
  it('groups by endpoint in endpoint order with "no answer" last and names sorted', () => {
    const g = groupByEndpoint(fullCoverage());
    expect(g.map((x) => x.index)).toEqual([0, 1, 2, -1]);
    expect(g[0].regions.map((x) => x.name)).toEqual(['France', 'Kyiv', 'United Kingdom']);
    expect(g[3].regions.map((x) => x.name)).toEqual(['Antarctica', 'Lvivska oblast']);
  });
});

describe('DiffTables', () => {
  it('has one row per moved region and the shares before and after', () => {
    const a = fullCoverage();
    const b = fullCoverage();
    b.regions.find((x) => x.country === 'GB')!.endpoint = 2;
    b.regions.find((x) => x.country === 'GB')!.shares = [[2, 1]];
    b.regions.find((x) => x.subdivision === 'CA')!.endpoint = null;
    b.regions.find((x) => x.subdivision === 'CA')!.shares = [];
    const html = renderToStaticMarkup(createElement(DiffTables, { diff: diffCoverage(a, b), before: 'version 1', after: 'version 2' }));
    const rows = html.match(/<tr data-region="[^"]+">.*?<\/tr>/g)!;
    expect(rows).toEqual([
      '<tr data-region="US-CA"><td>California</td><td>us-west</td><td class="dp-to-none">no answer</td></tr>',
      '<tr data-region="GB"><td>United Kingdom</td><td>gb</td><td>rest</td></tr>',
    ]);
    expect(html).toMatch(/<tr data-endpoint="us-west"><td>us-west<\/td><td class="num">[\d.]+%<\/td><td class="num">[\d.]+%<\/td><td class="num dp-down">−[\d.]+ pp<\/td><\/tr>/);
    expect(html).toMatch(/<tr data-endpoint=""><td><em>No answer<\/em><\/td>.*?dp-up/);
  });
});
