import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import world110 from 'world-atlas/countries-110m.json';
import usStates from 'us-atlas/states-10m.json';
import type { Coverage, CoverageRegion } from '../api';
import { buildShapes } from './data';
import { CoverageMapView, MAX_STRIPES, gridPaths, legendCounts, regionTitle, splitStripes } from './CoverageMap';
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

  it('stripes a split answer with its endpoints, keeps the dominant and lists every share', () => {
    const fr = element(html, 'data-country="FR"')!;
    expect(fr).toContain('data-endpoint="gb"');
    expect(fr).toContain('data-split="true"');
    expect(fr).toContain('data-shares="gb:0.7,rest:0.3"');
    expect(fr).toContain('<title>France: split — gb 70%, rest 30%</title>');
    const id = /fill="url\(#([^)]+)\)"/.exec(fr)![1];
    const pattern = new RegExp(`<pattern id="${id}"[^>]*>(.*?)</pattern>`).exec(html)![1];
    // 70% in gb's colour, then 30% in rest's: each stripe runs to the end of the period.
    expect(pattern).toBe(
      `<rect x="0" y="0" width="8" height="8" fill="${endpointColour(0)}"></rect>` +
        `<rect x="5.6" y="0" width="2.4" height="8" fill="${endpointColour(2)}"></rect>`,
    );
    // Single answers are neither striped nor marked split.
    const gb = element(html, 'data-country="GB"')!;
    expect(gb).not.toContain('data-split');
    expect(gb).not.toContain('data-shares');
  });

  it('names a single answer with minor other shares, without calling it split', () => {
    const c = fullCoverage();
    const de = c.regions.find((x) => x.country === 'DE')!;
    de.shares = [
      [2, 0.97],
      [1, 0.03],
    ];
    expect(regionTitle(c, de)).toBe('Germany: rest (192.0.2.3); shares: rest 97%, us-west 3%');
    const h = render({ coverage: c });
    expect(element(h, 'data-country="DE"')).toContain(`fill="${endpointColour(2)}"`);
    expect(element(h, 'data-country="DE"')).not.toContain('data-split');
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

  it('counts countries per endpoint in the legend, a split one for each endpoint in it', () => {
    const legend = /<ul class="cm-legend"[^>]*>(.*?)<\/ul>/.exec(html)![1];
    const c = fullCoverage();
    const countries = (i: number) => c.regions.filter((x) => !x.subdivision && x.endpoint === i).length;
    expect(legend).toContain(`<li data-endpoint="gb">`);
    // France (split 70/30) counts for gb, its dominant, and for rest.
    expect(legend).toMatch(new RegExp(`data-endpoint="gb".*?${countries(0)} countries \\(1 split\\), 1 subdivision<`));
    expect(legend).toMatch(new RegExp(`data-endpoint="us-west".*?${countries(1)} country, 2 subdivisions<`));
    const subdivisions = (i: number) => c.regions.filter((x) => x.subdivision && x.endpoint === i).length;
    expect(legend).toMatch(
      new RegExp(`data-endpoint="rest".*?${countries(2) + 1} countries \\(1 split\\), ${subdivisions(2)} subdivisions<`),
    );
    expect(legend).toContain('192.0.2.3');
    expect(legend).toMatch(/data-legend="split".*?1 region split between endpoints/);
  });

  it('counts a weighted default split for both endpoints, not 0 for the one that loses the draws', () => {
    // A geolocation rule: GB to endpoint_1, every other location to a 50/50 weighted rule whose
    // 64 draws came out 31 to 33.
    const c = fullCoverage();
    c.endpoints = [
      { id: 'endpoint_1', value: '192.0.2.1', type: 'value' },
      { id: 'endpoint_2', value: '192.0.2.2', type: 'value' },
      { id: 'endpoint_3', value: '192.0.2.3', type: 'value' },
    ];
    for (const x of c.regions) {
      if (x.country === 'GB' || x.endpoint === null) continue;
      x.endpoint = 2;
      x.shares = [
        [1, 31 / 64],
        [2, 33 / 64],
      ];
    }
    const split = c.regions.filter((x) => x.endpoint === 2);
    const splitCountries = split.filter((x) => !x.subdivision).length;
    const splitSubdivisions = split.length - splitCountries;
    expect(legendCounts(c)[1]).toEqual({
      countries: splitCountries,
      subdivisions: splitSubdivisions,
      splitCountries,
      splitSubdivisions,
    });
    const h = render({ coverage: c });
    const legend = /<ul class="cm-legend"[^>]*>(.*?)<\/ul>/.exec(h)![1];
    const text = `${splitCountries} countries (${splitCountries} split), ${splitSubdivisions} subdivisions (${splitSubdivisions} split)<`;
    expect(legend).toMatch(new RegExp(`data-endpoint="endpoint_2".*?${text.replace(/[()]/g, '\\$&')}`));
    expect(legend).toMatch(new RegExp(`data-endpoint="endpoint_3".*?${text.replace(/[()]/g, '\\$&')}`));
    expect(legend).toMatch(/data-endpoint="endpoint_1".*?1 country</);
    const fr = element(h, 'data-country="FR"')!;
    expect(fr).toContain('data-endpoint="endpoint_3"');
    expect(fr).toContain('data-shares="endpoint_2:0.48,endpoint_3:0.52"');
    expect(fr).toContain('<title>France: split — endpoint_3 51.6%, endpoint_2 48.4%</title>');
    // Every one of those regions has the same share-set: one pattern for all of them.
    expect(h.match(/<pattern id="cm-split-/g)).toHaveLength(1);
    expect(element(h, 'data-country="SG"')).toMatch(/^<circle[^>]*fill="url\(#cm-split-/);
    expect(element(h, 'data-subdivision="US-CA"')).toContain('data-split="true"');
  });

  it('defines one pattern per distinct share-set', () => {
    const c = fullCoverage();
    const set = (code: string, shares: [number, number][]) => {
      const x = c.regions.find((y) => y.country === code && !y.subdivision)!;
      x.endpoint = shares[0][0];
      x.shares = shares;
    };
    set('DE', [
      [0, 0.7],
      [2, 0.3],
    ]); // as France
    set('ES', [
      [2, 0.7],
      [0, 0.3],
    ]); // same endpoints, other shares
    set('IT', [
      [1, 0.5],
      [2, 0.5],
    ]);
    const h = render({ coverage: c });
    const fill = (code: string) => /fill="(url\(#[^)]+\))"/.exec(element(h, `data-country="${code}"`)!)![1];
    expect(fill('DE')).toBe(fill('FR'));
    expect(new Set([fill('FR'), fill('ES'), fill('IT')]).size).toBe(3);
    expect(h.match(/<pattern id="cm-split-/g)).toHaveLength(3);
  });

  it('dims other endpoints when one is highlighted, and outlines a highlighted region', () => {
    const h = render({ highlight: 'us-west' });
    expect(element(h, 'data-subdivision="US-CA"')).not.toContain('cm-dim');
    expect(element(h, 'data-country="GB"')).toContain('cm-dim');
    expect(element(h, 'data-country="FR"')).toContain('cm-dim');
    // A split region stays lit for each endpoint that serves it.
    expect(element(render({ highlight: 'rest' }), 'data-country="FR"')).not.toContain('cm-dim');
    expect(element(render({ highlight: 'gb' }), 'data-country="FR"')).not.toContain('cm-dim');
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

describe('splitStripes', () => {
  const s = (id: string, share: number, index: number) => ({ id, share, index });
  const colour = (x: { index: number }) => `c${x.index}`;

  it('gives each endpoint a stripe as wide as its share', () => {
    expect(splitStripes([s('a', 0.5, 0), s('b', 0.25, 1), s('c', 0.25, 2)], colour)).toEqual([
      { colour: 'c0', from: 0, width: 0.5 },
      { colour: 'c1', from: 0.5, width: 0.25 },
      { colour: 'c2', from: 0.75, width: 0.25 },
    ]);
  });

  it(`draws at most ${MAX_STRIPES} endpoints, the largest, sharing the whole width`, () => {
    const shares = [0.3, 0.2, 0.2, 0.1, 0.1, 0.1].map((f, i) => s(`e${i}`, f, i));
    const stripes = splitStripes(shares, colour);
    expect(stripes.map((x) => x.colour)).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(stripes.map((x) => x.width)).toEqual([0.375, 0.25, 0.25, 0.125]);
    // Multivalue shares sum to more than 1: the stripes still fill the period.
    expect(splitStripes([s('a', 1, 0), s('b', 1, 1)], colour).map((x) => x.width)).toEqual([0.5, 0.5]);
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

  it('shows the shares of a split answer in the From and To columns', () => {
    const a = fullCoverage();
    const b = fullCoverage();
    const de = b.regions.find((x) => x.country === 'DE')!;
    de.shares = [
      [2, 0.5],
      [1, 0.5],
    ];
    // France: 70/30 before, 30/70 after, so its dominant changes too.
    const fr = b.regions.find((x) => x.country === 'FR')!;
    fr.endpoint = 2;
    fr.shares = [
      [2, 0.7],
      [0, 0.3],
    ];
    const html = renderToStaticMarkup(createElement(DiffTables, { diff: diffCoverage(a, b), before: 'version 1', after: 'version 2' }));
    expect(html.match(/<tr data-region="[^"]+">.*?<\/tr>/g)).toEqual([
      '<tr data-region="FR"><td>France</td><td>gb 70% · rest 30%</td><td>rest 70% · gb 30%</td></tr>',
      '<tr data-region="DE"><td>Germany</td><td>rest</td><td>rest 50% · us-west 50%</td></tr>',
    ]);
  });
});
