// The versions table, and the comparison of two versions: what changed in the document (by JSON
// Pointer, from the server's diff) and what the change does to traffic (from coverage).
import { useEffect, useState } from 'react';
import { api, type Difference, type PolicyRecord, type PolicyVersion } from '../api';
import { Link } from '../router';
import { DiffPanel } from '../map/DiffPanel';

export function VersionsPanel(props: { policyId: string; versions: PolicyVersion[]; records: PolicyRecord[]; shown: number | null }) {
  const sorted = [...props.versions].sort((a, b) => b.version - a.version);
  const [left, setLeft] = useState<number | null>(null);
  const [right, setRight] = useState<number | null>(null);
  const [cmp, setCmp] = useState<{ l: PolicyVersion; r: PolicyVersion; diff: Difference[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const l = left ?? sorted[1]?.version ?? sorted[0]?.version ?? null;
  const r = right ?? props.shown ?? sorted[0]?.version ?? null;
  useEffect(() => setCmp(null), [props.policyId]);
  const compare = async () => {
    if (l === null || r === null) return;
    setError(null);
    try {
      const lv = props.versions.find((v) => v.version === l)!;
      const rv = props.versions.find((v) => v.version === r)!;
      const d = await api.diff(props.policyId, l, r);
      setCmp({ l: lv, r: rv, diff: d.differences });
    } catch (e) {
      setError(String((e as Error).message ?? e));
    }
  };
  return (
    <section aria-label="Versions">
      <table className="grid-table" aria-label="Versions table">
        <thead>
          <tr>
            <th>Version</th>
            <th>Comment</th>
            <th>DNS type</th>
            <th>Policy records</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((v) => (
            <tr key={v.version} className={v.version === props.shown ? 'current' : ''} data-version={v.version}>
              <td>
                <Link to={`/policies/${encodeURIComponent(props.policyId)}/versions/${v.version}`}>v{v.version}</Link>
                {v.version === props.shown && <span className="muted"> (on screen)</span>}
              </td>
              <td>{v.comment}</td>
              <td>{v.type}</td>
              <td>{props.records.filter((x) => x.version === v.version).length}</td>
              <td className="small">{v.created_at}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > 1 && (
        <div className="row compare">
          <label>
            Compare version
            <select value={l ?? ''} onChange={(e) => setLeft(Number(e.target.value))}>
              {sorted.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
          </label>
          <label>
            with version
            <select value={r ?? ''} onChange={(e) => setRight(Number(e.target.value))}>
              {sorted.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
          </label>
          <button onClick={compare}>Compare</button>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {cmp && (
        <div className="compare-result">
          <h3>
            v{cmp.l.version} → v{cmp.r.version}: {cmp.diff.length} change(s) in the document
          </h3>
          <ul className="doc-diff" aria-label="Document changes">
            {cmp.diff.map((d, i) => (
              <li key={i} data-kind={d.kind}>
                <span className={`badge ${d.kind === 'removed' ? 'bad' : d.kind === 'added' ? 'ok' : 'unknown'}`}>{d.kind}</span>{' '}
                <span className="mono">{d.pointer}</span>
                {d.before !== undefined && <span className="mono small"> {JSON.stringify(d.before)}</span>}
                {d.after !== undefined && <span className="mono small"> → {JSON.stringify(d.after)}</span>}
              </li>
            ))}
          </ul>
          <DiffPanel
            policyName={cmp.l.name}
            left={{ version: cmp.l.version, document: cmp.l.document }}
            right={{ version: cmp.r.version, document: cmp.r.document }}
          />
        </div>
      )}
    </section>
  );
}
