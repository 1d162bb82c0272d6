// The versions table, and the choice of two versions to compare (the comparison is DiffPage).
import { useState } from 'react';
import type { PolicyRecord, PolicyVersion } from '../api';
import { Link, navigate } from '../router';

export function VersionsPanel(props: { policyId: string; versions: PolicyVersion[]; records: PolicyRecord[]; shown: number | null }) {
  const sorted = [...props.versions].sort((a, b) => b.version - a.version);
  const [left, setLeft] = useState<number | null>(null);
  const [right, setRight] = useState<number | null>(null);
  const l = left ?? sorted[1]?.version ?? sorted[0]?.version ?? null;
  const r = right ?? props.shown ?? sorted[0]?.version ?? null;
  const compare = () => {
    if (l === null || r === null) return;
    navigate(`/policies/${encodeURIComponent(props.policyId)}/diff?from=${l}&to=${r}`);
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
          <VersionSelect label="Compare version" value={l} versions={sorted} onChange={setLeft} />
          <VersionSelect label="with version" value={r} versions={sorted} onChange={setRight} />
          <button onClick={compare}>Compare</button>
        </div>
      )}
    </section>
  );
}

function VersionSelect(props: { label: string; value: number | null; versions: PolicyVersion[]; onChange: (v: number) => void }) {
  return (
    <label>
      {props.label}
      <select value={props.value ?? ''} onChange={(e) => props.onChange(Number(e.target.value))}>
        {props.versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
    </label>
  );
}
