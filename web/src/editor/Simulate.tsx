// Simulate: the answer a client (an IP or an ECS subnet) gets from the version on screen, with
// health checks toggled off per branch, from the server's explain API. The trace's pointers
// mark the path on the canvas.
import { useState } from 'react';
import { api, type Explanation } from '../api';
import { Alert } from '../Alert';

export interface SimulateProps {
  document: string;
  /** Health checks the document references, to toggle. */
  healthChecks: string[];
  /** Alias-style endpoint targets the document references, to toggle. */
  targets: string[];
  onResult: (e: Explanation | null) => void;
}

export function Simulate(p: SimulateProps) {
  const [client, setClient] = useState('');
  const [down, setDown] = useState<Set<string>>(new Set());
  const [downTargets, setDownTargets] = useState<Set<string>>(new Set());
  const [result, setResult] = useState<Explanation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setError(null);
    if (!client.trim()) {
      setError('Client IP or subnet: enter an address such as 81.2.69.142 or a subnet such as 81.2.69.0/24.');
      return;
    }
    setBusy(true);
    try {
      const r = await api.explain(p.document, client.trim(), [...down], [...downTargets]);
      setResult(r);
      p.onResult(r);
    } catch (e) {
      setResult(null);
      p.onResult(null);
      setError(String((e as Error).message ?? e));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (set: Set<string>, v: string, f: (s: Set<string>) => void) => {
    const n = new Set(set);
    if (n.has(v)) n.delete(v);
    else n.add(v);
    f(n);
  };
  const loc = result?.location as Record<string, unknown> | undefined;
  return (
    <section className="simulate" aria-label="Simulate">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <label>
          Client IP or subnet
          <input value={client} onChange={(e) => setClient(e.target.value)} placeholder="81.2.69.0/24" spellCheck={false} />
        </label>
        <button type="submit" disabled={busy}>
          Simulate
        </button>
      </form>
      {(p.healthChecks.length > 0 || p.targets.length > 0) && (
        <fieldset>
          <legend>Treat as unhealthy</legend>
          {p.healthChecks.map((h) => (
            <label key={h} className="check">
              <input type="checkbox" checked={down.has(h)} onChange={() => toggle(down, h, setDown)} />
              health check {h}
            </label>
          ))}
          {p.targets.map((t) => (
            <label key={t} className="check">
              <input type="checkbox" checked={downTargets.has(t)} onChange={() => toggle(downTargets, t, setDownTargets)} />
              target {t}
            </label>
          ))}
        </fieldset>
      )}
      <Alert message={error} />
      <div role="status" aria-live="polite" className="sim-answer">
        {result &&
          (result.answer.length
            ? `Answer: ${result.answer.join(', ')} (${result.endpoints.map((e) => e.id).join(', ')}) · ECS scope /${result.ecs_scope}${result.healthy ? '' : ' · no healthy endpoint: answered anyway'}`
            : `No answer (NODATA) · ECS scope /${result.ecs_scope}`)}
      </div>
      {loc && (
        <p className="muted small">
          Client located in {String(loc.country ?? 'unknown country')}
          {loc.subdivision ? `-${String(loc.subdivision)}` : ''} ({String(loc.continent ?? '?')})
          {loc.latitude != null ? `, ${String(loc.latitude)}, ${String(loc.longitude)}` : ''}; location data prefix /{String(loc.scope_prefix ?? 0)}
        </p>
      )}
      {result && (
        <ol className="trace" aria-label="Decision trace">
          {result.trace.map((s, i) => (
            <li key={i} style={{ marginLeft: s.depth * 12 }} data-event={s.event}>
              <span className="mono small">{s.event}</span> {s.detail}
              {s.pointer && <span className="muted small mono"> {s.pointer}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
