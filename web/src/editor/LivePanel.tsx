// The live overlay: for a policy record that serves the version on screen, the answers per
// second each endpoint gave (from the DNS server's counters, the ones /metrics exports) and the
// health of each branch's check.
import { useEffect, useRef, useState } from 'react';
import { api, type HealthCheck, type LiveCounters, type PolicyRecord } from '../api';
import type { PolicyGraph } from '../model/types';
import { nodeId } from '../model/convert';
import { Alert } from '../Alert';

export interface LiveView {
  record: string;
  /** Answers per second by canvas node id. */
  qps: Map<string, number>;
}

const POLL_MS = 2000;

export function LivePanel(props: {
  records: PolicyRecord[];
  /** The version on screen: counters of a record that now serves another version are not shown. */
  version: number | null;
  graph: PolicyGraph;
  healthChecks: HealthCheck[];
  onLive: (v: LiveView | null) => void;
}) {
  const [record, setRecord] = useState<string>('');
  const [rows, setRows] = useState<{ id: string; answers: number; qps: number | null }[]>([]);
  const [served, setServed] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [moved, setMoved] = useState<number | null>(null);
  const last = useRef<LiveCounters | null>(null);
  const chosen = props.records.some((r) => r.id === record) ? record : props.records[0]?.id || '';
  const { onLive } = props;
  // The graph is read when a poll lands; editing the canvas does not restart the rates.
  const graphRef = useRef(props.graph);
  graphRef.current = props.graph;
  const versionRef = useRef(props.version);
  versionRef.current = props.version;
  useEffect(() => {
    last.current = null;
    if (!chosen) {
      onLive(null);
      return;
    }
    let stop = false;
    const tick = async () => {
      try {
        const now = await api.live(chosen);
        if (stop) return;
        if (versionRef.current !== null && now.version !== versionRef.current) {
          // The record was moved to another version since the page loaded.
          last.current = null;
          setMoved(now.version);
          setRows([]);
          onLive(null);
          return;
        }
        setMoved(null);
        const prev = last.current;
        const dt = prev ? (now.at_ms - prev.at_ms) / 1000 : 0;
        const out = now.endpoints.map((e) => {
          const before = prev?.endpoints.find((x) => x.id === e.id)?.answers;
          const qps = prev && dt > 0 && before !== undefined ? Math.max(0, e.answers - before) / dt : null;
          return { id: e.id, answers: e.answers, qps };
        });
        last.current = now;
        setRows(out);
        setServed(now.served);
        setError(null);
        const m = new Map<string, number>();
        for (const r of out) if (r.qps !== null) m.set(nodeId(graphRef.current, { kind: 'endpoint', key: r.id }), r.qps);
        onLive({ record: chosen, qps: m });
      } catch (e) {
        if (!stop) setError(String((e as Error).message ?? e));
      }
    };
    tick();
    const t = setInterval(tick, POLL_MS);
    return () => {
      stop = true;
      clearInterval(t);
      onLive(null);
    };
  }, [chosen, onLive]);
  if (!props.records.length) {
    return <p className="muted">No policy record serves this version, so there is no live traffic to show. Bind it in Records.</p>;
  }
  const checks = new Map(props.healthChecks.map((h) => [h.id, h]));
  const used = new Set<string>();
  for (const r of Object.values(props.graph.rules)) for (const b of r.branches) if (typeof b.fields.HealthCheck === 'string') used.add(b.fields.HealthCheck);
  return (
    <section aria-label="Live overlay">
      <label>
        Policy record
        <select value={chosen} onChange={(e) => setRecord(e.target.value)}>
          {props.records.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name} ({r.type})
            </option>
          ))}
        </select>
      </label>
      {moved !== null && (
        <p className="notice">This record now serves v{moved}: open that version to see its traffic.</p>
      )}
      {served === false && <p className="notice">This record is not in the DNS snapshot yet (or the server runs without DNS).</p>}
      <Alert message={error} />
      <table className="grid-table" aria-label="Answers by endpoint">
        <thead>
          <tr>
            <th>Endpoint</th>
            <th>Answers</th>
            <th>Per second</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td className="mono">{r.id}</td>
              <td>{r.answers}</td>
              <td>{r.qps === null ? '…' : r.qps.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {used.size > 0 && (
        <table className="grid-table" aria-label="Branch health">
          <thead>
            <tr>
              <th>Health check</th>
              <th>Status</th>
              <th>Last failure</th>
            </tr>
          </thead>
          <tbody>
            {[...used].sort().map((id) => {
              const h = checks.get(id);
              return (
                <tr key={id}>
                  <td className="mono">{id}</td>
                  <td>{h ? h.status : 'does not exist'}</td>
                  <td>{h?.last_failure ? h.last_failure.reason : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="muted small">Counters restart when the zone is rebuilt. Rates are over {POLL_MS / 1000} s.</p>
    </section>
  );
}
