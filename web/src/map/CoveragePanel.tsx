// The coverage of one policy document: asks the server which endpoint answers each Route 53
// location (with the given health checks treated as unhealthy), shows it on a map and as a table.

import { useEffect, useMemo, useRef, useState } from 'react';
import { api, type Coverage, type CoverageRegion, type CoverageRequest } from '../api';
import { CoverageMap } from './CoverageMap';
import { endpointColour, NO_ANSWER } from './palette';
import { latestOnly, type LatestOnly, type Outcome } from './latest';
import './map.css';

export interface CoveragePanelProps {
  /** The policy document (JSON text) as edited. */
  document: string;
  /** Health check ids to treat as unhealthy (the branches they gate are skipped). */
  unhealthy: string[];
  /** A geoproximity or latency rule id: ask for a 2° grid of its catchments and overlay it. */
  ruleForGrid?: string | null;
}

/** Delay between the last change of the props and the request. */
export const COVERAGE_DEBOUNCE_MS = 250;

/** The request sent for the given props (exported for tests). */
export function coverageRequest(props: CoveragePanelProps): CoverageRequest {
  return {
    document: props.document,
    unhealthy: props.unhealthy,
    grid: props.ruleForGrid ? { step: 2 } : undefined,
    rule: props.ruleForGrid ?? undefined,
  };
}

export function CoveragePanel(props: CoveragePanelProps) {
  const [coverage, setCoverage] = useState<Coverage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const request = useMemo(
    () => coverageRequest({ document: props.document, unhealthy: props.unhealthy, ruleForGrid: props.ruleForGrid }),
    // The array prop is compared by value so a new array with the same ids does not refetch.
    [props.document, JSON.stringify(props.unhealthy), props.ruleForGrid],
  );

  const fetcher = useRef<LatestOnly<CoverageRequest> | null>(null);
  useEffect(() => {
    const f = latestOnly(api.coverage, COVERAGE_DEBOUNCE_MS, (o: Outcome<Coverage>) => {
      setLoading(false);
      if (o.ok) {
        setCoverage(o.value);
        setError(null);
      } else {
        // The previous map stays, with a note that it is for the last document that worked.
        setError(o.error instanceof Error ? o.error.message : String(o.error));
      }
    });
    fetcher.current = f;
    return () => f.cancel();
  }, []);

  useEffect(() => {
    const f = fetcher.current;
    if (!f) return;
    if (!request.document.trim()) {
      f.cancel();
      setCoverage(null);
      setError(null);
      setLoading(false);
      return;
    }
    setLoading(true);
    f.submit(request);
  }, [request]);

  return (
    <section className="cp-panel" aria-label="Coverage">
      {!props.document.trim() && <p className="cp-meta">No document to show coverage for.</p>}
      {error && coverage && (
        <p className="cp-stale">The map shows the last document that the server could evaluate.</p>
      )}
      <CoverageMap
        coverage={coverage}
        loading={loading}
        error={error ? `Coverage could not be computed: ${error}` : undefined}
        showGrid={Boolean(props.ruleForGrid)}
      />
      {coverage && (
        <p className="cp-meta" data-elapsed-ms={coverage.elapsed_ms}>
          {coverage.regions.length} locations evaluated by the server in {formatMs(coverage.elapsed_ms)}
          {coverage.grid && props.ruleForGrid
            ? `; grid of ${coverage.grid.rows}×${coverage.grid.cols} cells at ${coverage.grid.step}° for rule ${props.ruleForGrid}`
            : ''}
          .
        </p>
      )}
      {coverage && <RegionGroups coverage={coverage} />}
    </section>
  );
}

function formatMs(ms: number): string {
  return ms < 10 ? `${Math.round(ms * 10) / 10} ms` : `${Math.round(ms)} ms`;
}

/** Regions grouped by dominant endpoint, one collapsible group per endpoint. */
export function RegionGroups(props: { coverage: Coverage }) {
  const { coverage } = props;
  const groups = groupByEndpoint(coverage);
  return (
    <div className="cp-groups">
      <h3>Locations by endpoint</h3>
      {groups.map((g) => {
        const e = g.index >= 0 ? coverage.endpoints[g.index] : null;
        const label = e ? (e.value ? `${e.id} (${e.value})` : e.id) : 'No answer';
        return (
          <details key={g.index} className="cp-group" data-endpoint={e?.id ?? ''}>
            <summary>
              <span
                className="cm-swatch"
                style={{ background: g.index >= 0 ? endpointColour(g.index) : NO_ANSWER }}
                aria-hidden="true"
              />
              <span>
                <strong>{label}</strong>: {g.regions.length} {g.regions.length === 1 ? 'location' : 'locations'}
              </span>
            </summary>
            <table aria-label={`Locations answered by ${label}`}>
              <thead>
                <tr>
                  <th scope="col">Location</th>
                  <th scope="col">Code</th>
                  <th scope="col">Continent</th>
                  <th scope="col">Share</th>
                </tr>
              </thead>
              <tbody>
                {g.regions.map((r) => (
                  <tr key={`${r.country}-${r.subdivision ?? ''}`}>
                    <td>{r.name}</td>
                    <td>{r.subdivision ? `${r.country}-${r.subdivision}` : r.country}</td>
                    <td>{r.continent}</td>
                    <td>{shareText(coverage, r)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        );
      })}
    </div>
  );
}

function shareText(c: Coverage, r: CoverageRegion): string {
  if (r.shares.length === 0) return '—';
  return [...r.shares]
    .sort((a, b) => b[1] - a[1])
    .map(([i, f]) => `${c.endpoints[i]?.id ?? '?'} ${Math.round(f * 1000) / 10}%`)
    .join(', ');
}

/** Groups in endpoint order, "no answer" (index -1) last; regions sorted by name. */
export function groupByEndpoint(c: Coverage): { index: number; regions: CoverageRegion[] }[] {
  const m = new Map<number, CoverageRegion[]>();
  for (const r of c.regions) {
    const i = r.endpoint !== null && c.endpoints[r.endpoint] ? r.endpoint : -1;
    const list = m.get(i);
    if (list) list.push(r);
    else m.set(i, [r]);
  }
  return [...m.entries()]
    .sort((a, b) => (a[0] === -1 ? 1 : b[0] === -1 ? -1 : a[0] - b[0]))
    .map(([index, regions]) => ({ index, regions: [...regions].sort((x, y) => x.name.localeCompare(y.name)) }));
}
