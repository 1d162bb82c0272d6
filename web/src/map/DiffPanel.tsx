// What changes for clients between two versions of a policy: both coverages side by side, the
// locations whose answer changes, and each endpoint's share of locations before and after.

import { useEffect, useMemo, useState } from 'react';
import { api, type Coverage } from '../api';
import { CoverageMap } from './CoverageMap';
import { diffCoverage, regionKey, type CoverageDiff } from './diff';
import { coloursById } from './palette';
import './map.css';

export interface DiffSide {
  version: number;
  document: string;
}

export interface DiffPanelProps {
  policyName: string;
  left: DiffSide;
  right: DiffSide;
}

interface SideState {
  coverage: Coverage | null;
  error: string | null;
  loading: boolean;
}

const EMPTY: SideState = { coverage: null, error: null, loading: true };

function useCoverage(document: string): SideState {
  const [state, setState] = useState<SideState>(EMPTY);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    api.coverage({ document }).then(
      (coverage) => live && setState({ coverage, error: null, loading: false }),
      (e: unknown) => live && setState({ coverage: null, error: e instanceof Error ? e.message : String(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [document]);
  return state;
}

export function DiffPanel(props: DiffPanelProps) {
  const { policyName, left, right } = props;
  const a = useCoverage(left.document);
  const b = useCoverage(right.document);
  const colours = useMemo(
    () => coloursById((a.coverage?.endpoints ?? []).map((e) => e.id), (b.coverage?.endpoints ?? []).map((e) => e.id)),
    [a.coverage, b.coverage],
  );
  const diff = useMemo(() => (a.coverage && b.coverage ? diffCoverage(a.coverage, b.coverage) : null), [a.coverage, b.coverage]);
  const labelA = `version ${left.version}`;
  const labelB = `version ${right.version}`;

  return (
    <section className="dp-panel" aria-label={`Coverage of ${policyName}, ${labelA} and ${labelB}`}>
      <div className="dp-maps">
        <div>
          <h3>{`Version ${left.version}`}</h3>
          <CoverageMap
            coverage={a.coverage}
            loading={a.loading}
            error={a.error ? `Coverage of ${labelA} could not be computed: ${a.error}` : undefined}
            colours={colours}
            label={`Coverage map of ${policyName} ${labelA}`}
            compact
          />
        </div>
        <div>
          <h3>{`Version ${right.version}`}</h3>
          <CoverageMap
            coverage={b.coverage}
            loading={b.loading}
            error={b.error ? `Coverage of ${labelB} could not be computed: ${b.error}` : undefined}
            colours={colours}
            label={`Coverage map of ${policyName} ${labelB}`}
            compact
          />
        </div>
      </div>
      {diff && <DiffTables diff={diff} before={labelA} after={labelB} />}
      {!diff && (a.loading || b.loading) && <p className="dp-empty">Computing coverage of both versions…</p>}
    </section>
  );
}

function pct(f: number): string {
  return `${(f * 100).toFixed(1)}%`;
}

function change(before: number, after: number): { text: string; cls: string } {
  const d = Math.round((after - before) * 1000) / 10;
  if (d === 0) return { text: '0.0 pp', cls: '' };
  return d > 0 ? { text: `+${d.toFixed(1)} pp`, cls: 'dp-up' } : { text: `−${Math.abs(d).toFixed(1)} pp`, cls: 'dp-down' };
}

/** The two tables (exported so they can be rendered from a computed diff). */
export function DiffTables(props: { diff: CoverageDiff; before: string; after: string }) {
  const { diff } = props;
  const beforeTotal = diff.shares.reduce((s, x) => s + x.before, 0);
  const afterTotal = diff.shares.reduce((s, x) => s + x.after, 0);
  const noAnswer = { before: Math.max(0, 1 - beforeTotal), after: Math.max(0, 1 - afterTotal) };
  const showNoAnswer = noAnswer.before > 1e-9 || noAnswer.after > 1e-9;
  return (
    <>
      <div className="dp-section">
        <h3>Countries and states that change endpoint</h3>
        <p className="cp-meta">
          Where answers are drawn at random, a location counts as changed when more than 10% of its answers go to other
          endpoints (a total-variation distance above 0.1 between its shares), not when near-equal shares swap places.
        </p>
        {diff.moved.length === 0 ? (
          <p className="dp-empty">No country or state changes endpoint.</p>
        ) : (
          <table className="dp-table" aria-label="Countries and states that change endpoint">
            <thead>
              <tr>
                <th scope="col">Region</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              {diff.moved.map((m) => (
                <tr key={regionKey(m)} data-region={regionKey(m)}>
                  <td>{m.name}</td>
                  <td className={m.fromShares === null ? 'dp-from-none' : undefined}>{m.fromShares ?? 'no answer'}</td>
                  <td className={m.toShares === null ? 'dp-to-none' : undefined}>{m.toShares ?? 'no answer'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="dp-section">
        <h3>Share of locations per endpoint</h3>
        <table className="dp-table" aria-label="Share of locations per endpoint">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col" className="num">{`Before (${props.before})`}</th>
              <th scope="col" className="num">{`After (${props.after})`}</th>
              <th scope="col" className="num">Change</th>
            </tr>
          </thead>
          <tbody>
            {diff.shares.map((s) => {
              const c = change(s.before, s.after);
              return (
                <tr key={s.endpoint} data-endpoint={s.endpoint}>
                  <td>{s.endpoint}</td>
                  <td className="num">{pct(s.before)}</td>
                  <td className="num">{pct(s.after)}</td>
                  <td className={`num ${c.cls}`}>{c.text}</td>
                </tr>
              );
            })}
            {showNoAnswer && (
              <tr data-endpoint="">
                <td>
                  <em>No answer</em>
                </td>
                <td className="num">{pct(noAnswer.before)}</td>
                <td className="num">{pct(noAnswer.after)}</td>
                <td className={`num ${change(noAnswer.before, noAnswer.after).cls}`}>
                  {change(noAnswer.before, noAnswer.after).text}
                </td>
              </tr>
            )}
          </tbody>
        </table>
        <p className="cp-meta">
          Every country and state counts the same here; the shares are not weighted by population or by query volume.
        </p>
      </div>
    </>
  );
}
