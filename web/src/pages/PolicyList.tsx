import { useEffect, useState } from 'react';
import { api, type PolicyRecord, type PolicySummary } from '../api';
import { Link } from '../router';
import { Alert } from '../Alert';

export function PolicyList() {
  const [policies, setPolicies] = useState<PolicySummary[] | null>(null);
  const [records, setRecords] = useState<PolicyRecord[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([api.policies(), api.records()])
      .then(([p, r]) => {
        setPolicies(p);
        setRecords(r);
      })
      .catch((e) => setError(String(e.message ?? e)));
  }, []);
  return (
    <main className="page">
      <div className="page-head">
        <h1>Traffic policies</h1>
        <Link to="/policies/new" className="button">
          New policy
        </Link>
      </div>
      <Alert message={error} />
      {policies === null && !error && <p>Loading…</p>}
      {policies && policies.length === 0 && <p>No traffic policies yet. Create one, or import a document.</p>}
      {policies && policies.length > 0 && (
        <table className="grid-table" aria-label="Traffic policies">
          <thead>
            <tr>
              <th>Name</th>
              <th>DNS type</th>
              <th>Latest version</th>
              <th>Versions</th>
              <th>Policy records</th>
            </tr>
          </thead>
          <tbody>
            {policies.map((p) => {
              const used = records.filter((r) => r.policy_id === p.id);
              return (
                <tr key={p.id} data-policy={p.id}>
                  <td>
                    <Link to={`/policies/${encodeURIComponent(p.id)}`}>{p.name}</Link>
                  </td>
                  <td>{p.type}</td>
                  <td>{p.latest_version}</td>
                  <td>{p.versions}</td>
                  <td>
                    {used.length === 0
                      ? '—'
                      : used.map((r) => (
                          <div key={r.id}>
                            {r.name} <span className="muted">v{r.version}</span>
                          </div>
                        ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}
