// A world map of which endpoint answers each Route 53 location: countries filled by their
// endpoint (striped with every endpoint's colour when the answer is split at random), the US
// drawn by state, an optional grid overlay for geoproximity and latency catchments, and a
// legend. Plain SVG, no tiles.

import {
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type ReactNode,
} from 'react';
import { geoNaturalEarth1, geoPath, type GeoProjection } from 'd3-geo';
import type { Coverage, CoverageRegion } from '../api';
import { loadShapes, type MapShapes, type Shape } from './data';
import { regionKey } from './diff';
import { NO_ANSWER, NO_DATA, endpointColour } from './palette';
import { isAnswered, isSplit, percent, sharesAttribute, sharesById, type IdShare } from './shares';
import './map.css';

export interface CoverageMapProps {
  coverage: Coverage | null;
  loading: boolean;
  error?: string;
  /** Draw `coverage.grid` (when the server sent one) over the countries. */
  showGrid?: boolean;
  /**
   * An endpoint id (other endpoints' regions are dimmed) or a region key such as `GB` or
   * `US-CA` (that region is outlined).
   */
  highlight?: string | null;
  /** Colours by endpoint id, to keep colours equal across several maps; default: by index. */
  colours?: Record<string, string>;
  /** The figure's accessible name; default "Coverage map". */
  label?: string;
  /** A smaller map with a shorter legend, for side-by-side comparisons. */
  compact?: boolean;
}

/** Loads the map shapes (a separate chunk) and draws `CoverageMapView`. */
export function CoverageMap(props: CoverageMapProps) {
  const [shapes, setShapes] = useState<MapShapes | null>(null);
  const [shapesError, setShapesError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    loadShapes().then(
      (s) => live && setShapes(s),
      (e: unknown) => live && setShapesError(`The map shapes could not be loaded: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => {
      live = false;
    };
  }, []);
  return <CoverageMapView {...props} shapes={shapes} shapesError={shapesError} />;
}

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 500;
const MAX_ZOOM = 16;

interface ProjectedShape {
  shape: Shape;
  d: string;
}

interface Projected {
  projection: GeoProjection;
  sphere: string;
  countries: ProjectedShape[];
  states: ProjectedShape[];
  territories: ProjectedShape[];
}

const projectedCache = new WeakMap<MapShapes, Projected>();

/** Projects the shapes once per loaded atlas; coverage changes only change fills. */
function project(shapes: MapShapes): Projected {
  const hit = projectedCache.get(shapes);
  if (hit) return hit;
  const projection = geoNaturalEarth1().fitExtent(
    [
      [4, 4],
      [MAP_WIDTH - 4, MAP_HEIGHT - 4],
    ],
    { type: 'Sphere' },
  );
  const path = geoPath(projection).digits(1);
  const each = (list: Shape[]) => list.map((shape) => ({ shape, d: path(shape.feature) ?? '' })).filter((p) => p.d !== '');
  const out: Projected = {
    projection,
    sphere: path({ type: 'Sphere' }) ?? '',
    countries: each(shapes.countries),
    states: each(shapes.states),
    territories: each(shapes.territories),
  };
  projectedCache.set(shapes, out);
  return out;
}

type Endpoint = Coverage['endpoints'][number];

function endpointLabel(e: Endpoint): string {
  return e.value ? `${e.id} (${e.value})` : e.id;
}

/**
 * Hover text: "United Kingdom: gb (192.0.2.1)"; "France: split — eu 50%, us 50%" when the answer
 * is split (see `isSplit`); a single answer with minor other shares lists them after it.
 */
export function regionTitle(c: Coverage, r: CoverageRegion): string {
  if (!isAnswered(c, r)) return `${r.name}: no answer`;
  const shares = sharesById(c, r);
  const parts = shares.map((s) => `${s.id} ${percent(s.share)}`).join(', ');
  if (isSplit(shares)) return `${r.name}: split — ${parts}`;
  const main = `${r.name}: ${endpointLabel(c.endpoints[r.endpoint!])}`;
  return shares.length > 1 ? `${main}; shares: ${parts}` : main;
}

/** Most endpoints drawn as stripes of a split region; the title names every one. */
export const MAX_STRIPES = 4;

/** Width of one repeat of the stripes, in view-box units at every zoom. */
const STRIPE_PERIOD = 8;

/** One stripe of a split fill: `from` and `width` are fractions of the stripe period. */
export interface Stripe {
  colour: string;
  from: number;
  width: number;
}

/**
 * The stripes for a split answer: the `MAX_STRIPES` largest shares (in the order of `shares`),
 * each as wide as its part of their sum, with positions rounded to a thousandth.
 */
export function splitStripes(shares: readonly IdShare[], colourOf: (s: IdShare) => string): Stripe[] {
  const top = shares.slice(0, MAX_STRIPES);
  const total = top.reduce((sum, s) => sum + s.share, 0);
  if (total <= 0) return [];
  const out: Stripe[] = [];
  let cumulative = 0;
  for (const s of top) {
    const from = Math.round((cumulative / total) * 1000) / 1000;
    cumulative += s.share;
    const to = Math.round((cumulative / total) * 1000) / 1000;
    out.push({ colour: colourOf(s), from, width: Math.round((to - from) * 1000) / 1000 });
  }
  return out;
}

interface SplitPattern {
  id: string;
  stripes: Stripe[];
}

/** A region's answer, computed once per coverage. */
interface Answer {
  shares: IdShare[];
  split: boolean;
  /** The id of the striped pattern of a split answer. */
  pattern: string | null;
}

interface Fill {
  key: string;
  fill: string;
  endpoint: string;
  /** `sharesAttribute` of a split answer, else empty (not split). */
  sharesAttr: string;
  title: string;
  noAnswer: boolean;
  dim: boolean;
}

/** The data attributes that describe a region's answer to tests and scripts. */
function answerAttributes(f: Fill): Record<string, string> {
  return f.sharesAttr
    ? { 'data-endpoint': f.endpoint, 'data-split': 'true', 'data-shares': f.sharesAttr }
    : { 'data-endpoint': f.endpoint };
}

/** The map itself, given loaded shapes (exported so it can be rendered without loading). */
export function CoverageMapView(props: CoverageMapProps & { shapes: MapShapes | null; shapesError?: string | null }) {
  const { coverage, loading, error, showGrid, highlight, colours, shapes, compact } = props;
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  const hatchId = `cm-hatch-${uid}`;
  const projected = useMemo(() => (shapes ? project(shapes) : null), [shapes]);

  const colourOf = useCallback(
    (index: number | null | undefined): string => {
      if (index === null || index === undefined || !coverage?.endpoints[index]) return NO_ANSWER;
      const id = coverage.endpoints[index].id;
      return colours?.[id] ?? endpointColour(index);
    },
    [coverage, colours],
  );

  const regions = useMemo(() => new Map((coverage?.regions ?? []).map((r) => [regionKey(r), r])), [coverage]);
  const highlightEndpoint = useMemo(() => {
    if (!highlight || !coverage) return null;
    const i = coverage.endpoints.findIndex((e) => e.id === highlight);
    return i >= 0 ? i : null;
  }, [highlight, coverage]);
  const highlightId = highlightEndpoint !== null ? (coverage?.endpoints[highlightEndpoint]?.id ?? null) : null;

  // Every region's shares, and one striped pattern per distinct set of stripes.
  const { answers, patterns } = useMemo(() => {
    const answers = new Map<string, Answer>();
    const byStripes = new Map<string, SplitPattern>();
    for (const r of coverage?.regions ?? []) {
      const shares = sharesById(coverage!, r);
      const split = isSplit(shares);
      let pattern: string | null = null;
      if (split) {
        const stripes = splitStripes(shares, (s) => colourOf(s.index));
        const key = stripes.map((x) => `${x.colour}:${x.from}:${x.width}`).join('|');
        let p = byStripes.get(key);
        if (!p) {
          p = { id: `cm-split-${uid}-${byStripes.size}`, stripes };
          byStripes.set(key, p);
        }
        pattern = p.id;
      }
      answers.set(regionKey(r), { shares, split, pattern });
    }
    return { answers, patterns: [...byStripes.values()] };
  }, [coverage, colourOf, uid]);
  const byState = useMemo(() => (coverage?.regions ?? []).some((r) => r.country === 'US' && r.subdivision), [coverage]);

  const fillFor = useCallback(
    (key: string, fallbackName: string): Fill => {
      const r = regions.get(key);
      if (!coverage || !r) {
        return {
          key,
          fill: NO_DATA,
          endpoint: '',
          sharesAttr: '',
          title: coverage ? `${fallbackName}: not a Route 53 location` : fallbackName,
          noAnswer: false,
          dim: highlightEndpoint !== null,
        };
      }
      const e = isAnswered(coverage, r) ? coverage.endpoints[r.endpoint!] : undefined;
      const a = answers.get(key);
      const serves = a?.split ? a.shares.some((s) => s.id === highlightId) : e !== undefined && e.id === highlightId;
      return {
        key,
        fill: a?.pattern ? `url(#${a.pattern})` : colourOf(e ? r.endpoint : null),
        endpoint: e?.id ?? '',
        sharesAttr: a?.split ? sharesAttribute(a.shares) : '',
        title: regionTitle(coverage, r),
        noAnswer: !e,
        dim: highlightEndpoint !== null && !serves,
      };
    },
    [regions, answers, coverage, colourOf, highlightEndpoint, highlightId],
  );

  // Land layers: memoised apart from zoom state so panning does not rebuild 230 paths.
  const land = useMemo(() => {
    if (!projected) return null;
    const hatch: { key: string; d: string }[] = [];
    const outline: { key: string; d: string }[] = [];
    const cls = (f: Fill) => (f.dim ? 'cm-region cm-dim' : 'cm-region');
    const note = (f: Fill, d: string) => {
      if (f.noAnswer) hatch.push({ key: f.key, d });
      if (highlight && highlightEndpoint === null && f.key === highlight) outline.push({ key: f.key, d });
    };
    const countries = projected.countries.map(({ shape, d }, i) => {
      if (shape.code === 'US' && byState) return null;
      if (!shape.code) {
        return (
          <path key={`x${i}`} d={d} fill={NO_DATA} className="cm-region cm-nocode">
            <title>{coverage ? `${shape.name}: not a Route 53 location` : shape.name}</title>
          </path>
        );
      }
      const f = fillFor(shape.code, shape.name);
      note(f, d);
      return (
        <path key={shape.code} d={d} fill={f.fill} className={cls(f)} data-country={shape.code} {...answerAttributes(f)}>
          <title>{f.title}</title>
        </path>
      );
    });
    const territories = projected.territories.map(({ shape, d }) => {
      const code = shape.code!;
      const f = fillFor(code, shape.name);
      note(f, d);
      return (
        <path key={code} d={d} fill={f.fill} className={cls(f)} data-country={code} {...answerAttributes(f)}>
          <title>{f.title}</title>
        </path>
      );
    });
    const states = byState
      ? projected.states.map(({ shape, d }) => {
          const key = `US-${shape.code}`;
          const f = fillFor(key, shape.name);
          note(f, d);
          return (
            <path key={key} d={d} fill={f.fill} className={cls(f)} data-subdivision={key} {...answerAttributes(f)}>
              <title>{f.title}</title>
            </path>
          );
        })
      : null;
    return (
      <>
        <g className="cm-countries">{countries}</g>
        <g className="cm-territories">{territories}</g>
        {states && <g className="cm-states">{states}</g>}
        <g className="cm-hatches" aria-hidden="true">
          {hatch.map((h) => (
            <path key={h.key} d={h.d} fill={`url(#${hatchId})`} />
          ))}
        </g>
        <g className="cm-outline" aria-hidden="true">
          {outline.map((h) => (
            <path key={h.key} d={h.d} />
          ))}
        </g>
      </>
    );
  }, [projected, fillFor, byState, coverage, highlight, highlightEndpoint, hatchId]);

  const grid = useMemo(() => {
    if (!showGrid || !projected || !coverage?.grid) return null;
    return gridPaths(coverage.grid, projected.projection).map(({ value, d }) => (
      <path key={value} d={d} fill={colourOf(value)} data-grid-endpoint={coverage.endpoints[value]?.id ?? ''} />
    ));
  }, [showGrid, projected, coverage, colourOf]);

  // Regions drawn as dots: those with coordinates but no shape (small countries, Ukraine's oblasts).
  const shaped = useMemo(() => {
    const s = new Set<string>();
    if (!projected) return s;
    for (const p of projected.countries) if (p.shape.code) s.add(p.shape.code);
    for (const p of projected.territories) if (p.shape.code) s.add(p.shape.code);
    if (byState) for (const p of projected.states) s.add(`US-${p.shape.code}`);
    return s;
  }, [projected, byState]);
  const unshaped = useMemo(() => (coverage?.regions ?? []).filter((r) => !shaped.has(regionKey(r))), [coverage, shaped]);

  const [view, setView] = useState({ k: 1, x: 0, y: 0 });
  const svgRef = useRef<SVGSVGElement>(null);
  const zoomAt = useCallback((factor: number, px = MAP_WIDTH / 2, py = MAP_HEIGHT / 2) => {
    setView((v) => {
      const k = Math.min(MAX_ZOOM, Math.max(1, v.k * factor));
      return clampView({ k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k });
    });
  }, []);
  const panBy = useCallback((dx: number, dy: number) => setView((v) => clampView({ k: v.k, x: v.x + dx, y: v.y + dy })), []);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const onWheel = (ev: WheelEvent) => {
      ev.preventDefault();
      const p = toViewBox(svg, ev.clientX, ev.clientY);
      zoomAt(Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015)), p.x, p.y);
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, [zoomAt, projected]);

  const drag = useRef<{ id: number; x: number; y: number } | null>(null);
  const onPointerDown = (ev: PointerEvent<SVGSVGElement>) => {
    if (ev.button !== 0) return;
    drag.current = { id: ev.pointerId, x: ev.clientX, y: ev.clientY };
    ev.currentTarget.setPointerCapture(ev.pointerId);
  };
  const onPointerMove = (ev: PointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d || d.id !== ev.pointerId) return;
    const scale = viewBoxScale(ev.currentTarget);
    panBy((ev.clientX - d.x) * scale, (ev.clientY - d.y) * scale);
    drag.current = { id: d.id, x: ev.clientX, y: ev.clientY };
  };
  const endDrag = (ev: PointerEvent<SVGSVGElement>) => {
    if (drag.current?.id === ev.pointerId) drag.current = null;
  };
  const onKeyDown = (ev: KeyboardEvent<SVGSVGElement>) => {
    const step = 40;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => panBy(step, 0),
      ArrowRight: () => panBy(-step, 0),
      ArrowUp: () => panBy(0, step),
      ArrowDown: () => panBy(0, -step),
      '+': () => zoomAt(1.5),
      '=': () => zoomAt(1.5),
      '-': () => zoomAt(1 / 1.5),
      '0': () => setView({ k: 1, x: 0, y: 0 }),
    };
    const f = keys[ev.key];
    if (f) {
      ev.preventDefault();
      f();
    }
  };

  const dotRadius = 3.2 / view.k;
  // The stripes keep their width on screen: the pattern lives in the zoomed coordinates.
  const period = Math.round((STRIPE_PERIOD / view.k) * 1000) / 1000;
  const noAnswerCount = (coverage?.regions ?? []).filter((r) => r.endpoint === null || !coverage?.endpoints[r.endpoint]).length;

  return (
    <figure
      className={compact ? 'cm-figure cm-compact' : 'cm-figure'}
      aria-label={props.label ?? 'Coverage map'}
      aria-busy={loading || (!shapes && !props.shapesError)}
    >
      <div className="cm-stage">
        {error && (
          <p role="alert" className="cm-error">
            {error}
          </p>
        )}
        {props.shapesError && (
          <p role="alert" className="cm-error">
            {props.shapesError}
          </p>
        )}
        <div className="cm-controls" role="group" aria-label="Map zoom">
          <button type="button" aria-label="Zoom in" title="Zoom in" onClick={() => zoomAt(1.5)}>
            +
          </button>
          <button type="button" aria-label="Zoom out" title="Zoom out" onClick={() => zoomAt(1 / 1.5)} disabled={view.k <= 1}>
            −
          </button>
          <button
            type="button"
            aria-label="Reset zoom"
            title="Reset zoom"
            onClick={() => setView({ k: 1, x: 0, y: 0 })}
            disabled={view.k === 1 && view.x === 0 && view.y === 0}
          >
            ⟲
          </button>
        </div>
        <p className="cm-status" aria-live="polite">
          {loading ? 'Computing coverage…' : !shapes && !props.shapesError ? 'Loading map…' : ''}
        </p>
        <svg
          ref={svgRef}
          className="cm-svg"
          viewBox={`0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`}
          tabIndex={0}
          aria-label="World map: drag or use the arrow keys to pan, the wheel or plus and minus to zoom"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endDrag}
          onPointerCancel={endDrag}
          onKeyDown={onKeyDown}
        >
          <defs>
            <pattern id={hatchId} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <line x1="0" y1="0" x2="0" y2="6" className="cm-hatch-line" />
            </pattern>
            {patterns.map((p) => (
              <pattern
                key={p.id}
                id={p.id}
                width={period}
                height={period}
                patternUnits="userSpaceOnUse"
                patternTransform="rotate(45)"
                className="cm-split-pattern"
              >
                {/* Each stripe runs to the end of the period and the next one covers the rest: no seams. */}
                {p.stripes.map((x, i) => (
                  <rect
                    key={i}
                    x={round3(x.from * period)}
                    y="0"
                    width={round3((1 - x.from) * period)}
                    height={period}
                    fill={x.colour}
                  />
                ))}
              </pattern>
            ))}
          </defs>
          <g transform={`translate(${round2(view.x)} ${round2(view.y)}) scale(${round2(view.k)})`}>
            {projected && <path className="cm-sphere" d={projected.sphere} />}
            {land}
            {grid && (
              <g className="cm-grid" aria-hidden="true">
                {grid}
              </g>
            )}
            {projected && coverage && (
              <g className="cm-dots">
                {unshaped.map((r) => {
                  if (!r.coordinates) return null;
                  const p = projected.projection([r.coordinates[1], r.coordinates[0]]);
                  if (!p) return null;
                  const f = fillFor(regionKey(r), r.name);
                  const attrs = r.subdivision
                    ? { 'data-subdivision': regionKey(r) }
                    : { 'data-country': r.country };
                  return (
                    <circle
                      key={regionKey(r)}
                      cx={round2(p[0])}
                      cy={round2(p[1])}
                      r={dotRadius}
                      fill={f.fill}
                      className={f.dim ? 'cm-dot cm-dim' : 'cm-dot'}
                      {...answerAttributes(f)}
                      {...attrs}
                    >
                      <title>{f.title}</title>
                    </circle>
                  );
                })}
              </g>
            )}
          </g>
        </svg>
      </div>
      <figcaption className="cm-caption">
        {coverage && (
          <Legend coverage={coverage} colourOf={colourOf} highlight={highlightEndpoint} noAnswer={noAnswerCount} hatchId={hatchId} />
        )}
        {coverage && !compact && <Unshaped coverage={coverage} regions={unshaped} />}
      </figcaption>
    </figure>
  );
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function clampView(v: { k: number; x: number; y: number }) {
  const minX = MAP_WIDTH * (1 - v.k);
  const minY = MAP_HEIGHT * (1 - v.k);
  return { k: v.k, x: Math.min(0, Math.max(minX, v.x)), y: Math.min(0, Math.max(minY, v.y)) };
}

function toViewBox(svg: SVGSVGElement, clientX: number, clientY: number): { x: number; y: number } {
  const m = svg.getScreenCTM();
  if (!m) return { x: MAP_WIDTH / 2, y: MAP_HEIGHT / 2 };
  const p = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
  return { x: p.x, y: p.y };
}

function viewBoxScale(svg: SVGSVGElement): number {
  const m = svg.getScreenCTM();
  return m && m.a ? 1 / m.a : 1;
}

/**
 * The grid as one path per endpoint: runs of equal cells along a row become one quadrilateral
 * (parallels are straight in the Natural Earth projection, so four corners are enough).
 */
export function gridPaths(grid: NonNullable<Coverage['grid']>, projection: (p: [number, number]) => [number, number] | null) {
  const { step, lat0, lon0, rows, cols, cells } = grid;
  const byValue = new Map<number, string[]>();
  const clampLat = (x: number) => Math.max(-90, Math.min(90, x));
  const clampLon = (x: number) => Math.max(-180, Math.min(180, x));
  const pt = (lon: number, lat: number) => {
    const p = projection([clampLon(lon), clampLat(lat)]);
    return p ? `${Math.round(p[0] * 10) / 10} ${Math.round(p[1] * 10) / 10}` : null;
  };
  for (let r = 0; r < rows; r++) {
    let c = 0;
    while (c < cols) {
      const v = cells[r * cols + c];
      let end = c + 1;
      while (end < cols && cells[r * cols + end] === v) end++;
      if (typeof v === 'number' && v >= 0) {
        const south = lat0 + r * step;
        const north = south + step;
        const west = lon0 + c * step;
        const east = lon0 + end * step;
        const corners = [pt(west, south), pt(east, south), pt(east, north), pt(west, north)];
        if (corners.every((x) => x !== null)) {
          const list = byValue.get(v) ?? [];
          list.push(`M${corners[0]}L${corners[1]}L${corners[2]}L${corners[3]}Z`);
          byValue.set(v, list);
        }
      }
      c = end;
    }
  }
  return [...byValue.entries()].sort((a, b) => a[0] - b[0]).map(([value, parts]) => ({ value, d: parts.join('') }));
}

function Legend(props: {
  coverage: Coverage;
  colourOf: (i: number | null) => string;
  highlight: number | null;
  noAnswer: number;
  hatchId: string;
}) {
  const { coverage } = props;
  const counts = legendCounts(coverage);
  const splitRegions = coverage.regions.filter((r) => isSplit(sharesById(coverage, r))).length;
  return (
    <ul className="cm-legend" aria-label="Legend">
      {coverage.endpoints.map((e, i) => (
        <li key={`${i}:${e.id}`} data-endpoint={e.id} className={props.highlight === i ? 'cm-legend-hl' : undefined}>
          <span className="cm-swatch" style={{ background: props.colourOf(i) }} aria-hidden="true" />
          <span className="cm-legend-id">{e.id}</span>
          {e.value && <span className="cm-legend-value">{e.value}</span>}
          <span className="cm-legend-count">
            {plural(counts[i].countries, 'country', 'countries')}
            {counts[i].splitCountries > 0 && ` (${counts[i].splitCountries} split)`}
            {counts[i].subdivisions > 0 && `, ${plural(counts[i].subdivisions, 'subdivision', 'subdivisions')}`}
            {counts[i].subdivisions > 0 && counts[i].splitSubdivisions > 0 && ` (${counts[i].splitSubdivisions} split)`}
          </span>
        </li>
      ))}
      {splitRegions > 0 && (
        <li data-legend="split">
          <span className="cm-swatch cm-swatch-split" aria-hidden="true" />
          <span className="cm-legend-id">Striped</span>
          <span className="cm-legend-count">
            {plural(splitRegions, 'region', 'regions')} split between endpoints (counted for each of them)
          </span>
        </li>
      )}
      <li data-endpoint="">
        <svg className="cm-swatch" aria-hidden="true" viewBox="0 0 14 14">
          <rect width="14" height="14" fill={NO_ANSWER} />
          <rect width="14" height="14" fill={`url(#${props.hatchId})`} />
        </svg>
        <span className="cm-legend-id">No answer</span>
        <span className="cm-legend-count">{plural(props.noAnswer, 'region', 'regions')}</span>
      </li>
    </ul>
  );
}

/** Per endpoint index: the regions it serves, a split region counting for every endpoint in it. */
export function legendCounts(coverage: Coverage) {
  const counts = coverage.endpoints.map(() => ({ countries: 0, subdivisions: 0, splitCountries: 0, splitSubdivisions: 0 }));
  for (const r of coverage.regions) {
    const shares = sharesById(coverage, r);
    if (shares.length === 0) continue;
    const split = isSplit(shares);
    for (const s of split ? shares : [{ ...shares[0], index: r.endpoint! }]) {
      const c = counts[s.index];
      if (r.subdivision) {
        c.subdivisions++;
        if (split) c.splitSubdivisions++;
      } else {
        c.countries++;
        if (split) c.splitCountries++;
      }
    }
  }
  return counts;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Regions the map cannot draw as shapes (Ukraine's subdivisions, small countries), by endpoint. */
function Unshaped(props: { coverage: Coverage; regions: CoverageRegion[] }) {
  const { coverage } = props;
  const subdivisions = props.regions.filter((r) => r.subdivision);
  const countries = props.regions.filter((r) => !r.subdivision);
  if (props.regions.length === 0) return null;
  const countryName = (code: string) => coverage.regions.find((r) => r.country === code && !r.subdivision)?.name ?? code;
  const byCountry = new Map<string, CoverageRegion[]>();
  for (const r of subdivisions) byCountry.set(r.country, [...(byCountry.get(r.country) ?? []), r]);
  return (
    <div className="cm-unshaped">
      {[...byCountry.entries()].map(([country, list]) => (
        <div key={country} className="cm-note" data-unshaped-country={country}>
          <p>
            {countryName(country)}’s subdivisions have no shapes on this map
            {list.some((r) => r.coordinates) ? ' (they are drawn as dots)' : ''}:
          </p>
          <GroupedList coverage={coverage} regions={list} />
        </div>
      ))}
      {countries.length > 0 && (
        <details className="cm-note">
          <summary>{plural(countries.length, 'country is', 'countries are')} too small for this map</summary>
          <GroupedList coverage={coverage} regions={countries} />
        </details>
      )}
    </div>
  );
}

function GroupedList(props: { coverage: Coverage; regions: CoverageRegion[] }): ReactNode {
  const { coverage } = props;
  const groups = new Map<number, CoverageRegion[]>();
  for (const r of props.regions) {
    const k = r.endpoint !== null && coverage.endpoints[r.endpoint] ? r.endpoint : -1;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return (
    <ul>
      {[...groups.entries()]
        .sort((a, b) => (a[0] === -1 ? 1 : b[0] === -1 ? -1 : a[0] - b[0]))
        .map(([k, list]) => (
          <li key={k}>
            <strong>{k === -1 ? 'No answer' : endpointLabel(coverage.endpoints[k])}</strong>:{' '}
            {list
              .map((r) => r.name)
              .sort((a, b) => a.localeCompare(b))
              .join(', ')}
          </li>
        ))}
    </ul>
  );
}
