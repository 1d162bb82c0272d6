import { useCallback, useEffect, useState } from 'react';
import { api, type HealthCheck } from '../api';
import { Alert } from '../Alert';

function describe(c: Record<string, unknown>): string {
  const t = String(c.Type ?? '');
  if (t === 'CALCULATED') return `CALCULATED of ${(c.ChildHealthChecks as string[] | undefined)?.length ?? 0}`;
  const host = c.IPAddress ?? c.FullyQualifiedDomainName ?? '';
  const port = c.Port ? `:${c.Port}` : '';
  const path = c.ResourcePath ?? '';
  return `${t} ${host}${port}${path}`.trim();
}

/** Health checks with their live status, last failure, and overrides with a reason. */
export function HealthPage() {
  const [checks, setChecks] = useState<HealthCheck[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api
      .healthChecks()
      .then((c) => {
        setChecks(c);
        setError(null);
      })
      .catch((e) => setError(String(e.message ?? e)));
  }, []);
  useEffect(() => {
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [load]);
  return (
    <main className="page">
      <div className="page-head">
        <h1>Health checks</h1>
        <button onClick={load}>Refresh</button>
      </div>
      <p className="muted">Status refreshes every 5 seconds. An override forces a status until it is cleared, and is logged with your key.</p>
      <Alert message={error} />
      {checks && checks.length === 0 && <p>No health checks. Create them with the AWS CLI, the JSON API or `flowdns health create`.</p>}
      {checks && checks.length > 0 && (
        <table className="grid-table" aria-label="Health checks">
          <thead>
            <tr>
              <th>ID</th>
              <th>Check</th>
              <th>Status</th>
              <th>Last failure</th>
              <th>Override</th>
            </tr>
          </thead>
          <tbody>
            {checks.map((h) => (
              <HealthRow key={h.id} check={h} onChange={load} />
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function HealthRow(props: { check: HealthCheck; onChange: () => void }) {
  const h = props.check;
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const act = (p: Promise<unknown>) =>
    p.then(() => {
      setError(null);
      setReason('');
      props.onChange();
    }, (e) => setError(String(e.message ?? e)));
  const cls = h.status.startsWith('healthy') ? 'ok' : h.status.startsWith('unhealthy') ? 'bad' : 'unknown';
  return (
    <tr data-health-check={h.id}>
      <td className="mono">{h.id}</td>
      <td>{describe(h.config)}</td>
      <td>
        <span className={`badge ${cls}`}>{h.status}</span>
        {h.last && <div className="muted small">checked {h.last.at}</div>}
      </td>
      <td>{h.last_failure ? `${h.last_failure.reason} (${h.last_failure.at})` : '—'}</td>
      <td>
        {h.override ? (
          <div>
            Forced {h.override.healthy ? 'healthy' : 'unhealthy'}
            {h.override.reason && <>: {h.override.reason}</>}{' '}
            <button onClick={() => act(api.clearOverride(h.id))} aria-label={`Clear override of ${h.id}`}>
              Clear
            </button>
          </div>
        ) : (
          <div className="row">
            <input
              aria-label={`Override reason for ${h.id}`}
              placeholder="reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
            <button onClick={() => act(api.setOverride(h.id, true, reason))} aria-label={`Force ${h.id} healthy`}>
              Force healthy
            </button>
            <button onClick={() => act(api.setOverride(h.id, false, reason))} aria-label={`Force ${h.id} unhealthy`}>
              Force unhealthy
            </button>
          </div>
        )}
        <Alert message={error} />
      </td>
    </tr>
  );
}
