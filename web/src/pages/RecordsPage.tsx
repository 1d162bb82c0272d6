import { useCallback, useEffect, useState } from 'react';
import { api, type PolicyRecord, type PolicySummary, type PolicyVersion, type Zone } from '../api';
import { Link } from '../router';
import { Alert } from '../Alert';

export function RecordsPage() {
  return (
    <main className="page">
      <h1>Policy records</h1>
      <p className="muted">
        A policy record binds a traffic policy version to a DNS name. Rolling back means pointing it at an older version;
        DNS serves the change within a second.
      </p>
      <RecordsTable />
    </main>
  );
}

/**
 * Policy records (all, or one policy's), with create, move to a version, one-step rollback and
 * delete. "Roll back" moves a record to the highest version below the one it serves that has the
 * same DNS type: the version saved before it.
 */
export function RecordsTable(props: { policyId?: string; onChange?: () => void }) {
  const [records, setRecords] = useState<PolicyRecord[] | null>(null);
  const [policies, setPolicies] = useState<PolicySummary[]>([]);
  const [versions, setVersions] = useState<Record<string, PolicyVersion[]>>({});
  const [zones, setZones] = useState<Zone[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const [r, p, z] = await Promise.all([api.records(), api.policies(), api.zones()]);
      const mine = props.policyId ? r.filter((x) => x.policy_id === props.policyId) : r;
      const ids = new Set(mine.map((x) => x.policy_id));
      if (props.policyId) ids.add(props.policyId);
      const vs: Record<string, PolicyVersion[]> = {};
      await Promise.all([...ids].map(async (id) => (vs[id] = await api.versions(id))));
      setRecords(mine);
      setPolicies(p);
      setZones(z);
      setVersions(vs);
      setError(null);
    } catch (e) {
      setError(String((e as Error).message ?? e));
    }
  }, [props.policyId]);
  useEffect(() => {
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [load]);
  const changed = () => {
    load();
    props.onChange?.();
  };
  const zoneName = (id: string) => zones.find((z) => z.id === id)?.name ?? id;
  return (
    <section aria-label="Policy records">
      <Alert message={error} />
      {records && records.length === 0 && <p>No policy records{props.policyId ? ' use this policy' : ''} yet.</p>}
      {records && records.length > 0 && (
        <table className="grid-table" aria-label="Policy records table">
          <thead>
            <tr>
              <th>DNS name</th>
              <th>Zone</th>
              <th>Type</th>
              <th>TTL</th>
              {!props.policyId && <th>Policy</th>}
              <th>Version</th>
              <th>State</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <RecordRow
                key={r.id}
                record={r}
                zone={zoneName(r.zone_id)}
                policy={props.policyId ? undefined : policies.find((p) => p.id === r.policy_id)}
                versions={versions[r.policy_id] ?? []}
                onChange={changed}
              />
            ))}
          </tbody>
        </table>
      )}
      <CreateRecord
        zones={zones}
        policies={props.policyId ? policies.filter((p) => p.id === props.policyId) : policies}
        versions={versions}
        fixedPolicy={props.policyId}
        onCreated={changed}
        loadVersions={async (id) => {
          if (!versions[id]) {
            const v = await api.versions(id);
            setVersions((old) => ({ ...old, [id]: v }));
          }
        }}
      />
    </section>
  );
}

function RecordRow(props: {
  record: PolicyRecord;
  zone: string;
  policy?: PolicySummary;
  versions: PolicyVersion[];
  onChange: () => void;
}) {
  const r = props.record;
  const same = props.versions.filter((v) => v.type === r.type).map((v) => v.version).sort((a, b) => a - b);
  const [target, setTarget] = useState(r.version);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setTarget(r.version), [r.version]);
  const previous = same.filter((v) => v < r.version).pop();
  const act = (p: Promise<unknown>) => p.then(() => (setError(null), props.onChange()), (e) => setError(String(e.message ?? e)));
  return (
    <tr data-record={r.name}>
      <td className="mono">{r.name}</td>
      <td>{props.zone}</td>
      <td>{r.type}</td>
      <td>{r.ttl}</td>
      {props.policy !== undefined && (
        <td>
          <Link to={`/policies/${encodeURIComponent(r.policy_id)}`}>{props.policy?.name ?? r.policy_id}</Link>
        </td>
      )}
      <td data-testid="record-version">v{r.version}</td>
      <td>
        <span className={`badge ${r.state === 'Applied' ? 'ok' : r.state === 'Failed' ? 'bad' : 'unknown'}`}>{r.state}</span>
        {r.message && r.state !== 'Applied' && <div className="small">{r.message}</div>}
      </td>
      <td>
        <div className="row">
          <label className="inline">
            Version
            <select
              aria-label={`Version for ${r.name}`}
              value={target}
              onChange={(e) => setTarget(Number(e.target.value))}
            >
              {same.map((v) => (
                <option key={v} value={v}>
                  v{v}
                </option>
              ))}
            </select>
          </label>
          <button disabled={target === r.version} onClick={() => act(api.updateRecord(r.id, target))} aria-label={`Move ${r.name} to version ${target}`}>
            Move
          </button>
          <button
            disabled={previous === undefined}
            title={previous === undefined ? 'no older version of the same DNS type' : `serve v${previous}`}
            onClick={() => previous !== undefined && act(api.updateRecord(r.id, previous))}
            aria-label={`Roll back ${r.name}`}
          >
            Roll back{previous !== undefined ? ` to v${previous}` : ''}
          </button>
          <button
            className="danger"
            onClick={() => confirm(`Delete the policy record ${r.name}? DNS stops answering for it.`) && act(api.deleteRecord(r.id))}
            aria-label={`Delete ${r.name}`}
          >
            Delete
          </button>
        </div>
        <Alert message={error} />
      </td>
    </tr>
  );
}

function CreateRecord(props: {
  zones: Zone[];
  policies: PolicySummary[];
  versions: Record<string, PolicyVersion[]>;
  fixedPolicy?: string;
  onCreated: () => void;
  loadVersions: (id: string) => Promise<void>;
}) {
  const [zone, setZone] = useState('');
  const [name, setName] = useState('');
  const [ttl, setTtl] = useState('60');
  const [policy, setPolicy] = useState(props.fixedPolicy ?? '');
  const [version, setVersion] = useState('');
  const [error, setError] = useState<string | null>(null);
  const zoneId = zone || props.zones[0]?.id || '';
  const pid = policy || props.policies[0]?.id || '';
  const vs = props.versions[pid] ?? [];
  const ver = version || String(vs[vs.length - 1]?.version ?? '');
  useEffect(() => {
    if (pid) props.loadVersions(pid);
  }, [pid]); // eslint-disable-line react-hooks/exhaustive-deps
  const zname = props.zones.find((z) => z.id === zoneId)?.name ?? '';
  return (
    <form
      className="create-record"
      aria-label="Create policy record"
      onSubmit={async (e) => {
        e.preventDefault();
        const t = Number(ttl);
        if (!zoneId) return setError('Create a hosted zone first (flowdns zone import, or the API).');
        if (!name.trim()) return setError('DNS name: enter a name such as www (relative to the zone) or www.example.com.');
        if (!Number.isInteger(t) || t < 0 || t > 2147483647) return setError('TTL: a whole number of seconds, 0 to 2147483647.');
        if (!ver) return setError('Version: pick a version.');
        // A name inside the zone is taken as written; anything else is relative to the zone.
        const n = name.trim().replace(/\.$/, '').toLowerCase();
        const z = zname.replace(/\.$/, '').toLowerCase();
        const fqdn = n === z || n.endsWith(`.${z}`) ? `${n}.` : `${n}.${z}.`;
        try {
          await api.createRecord(zoneId, fqdn, t, pid, Number(ver));
          setName('');
          setError(null);
          props.onCreated();
        } catch (err) {
          setError(String((err as Error).message ?? err));
        }
      }}
    >
      <h3>Create policy record</h3>
      <div className="row wrap">
        <label>
          Hosted zone
          <select value={zoneId} onChange={(e) => setZone(e.target.value)}>
            {props.zones.map((z) => (
              <option key={z.id} value={z.id}>
                {z.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          DNS name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="www" spellCheck={false} />
        </label>
        <label>
          TTL (seconds)
          <input value={ttl} onChange={(e) => setTtl(e.target.value)} inputMode="numeric" />
        </label>
        {!props.fixedPolicy && (
          <label>
            Traffic policy
            <select value={pid} onChange={(e) => (setPolicy(e.target.value), setVersion(''))}>
              {props.policies.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Policy version
          <select value={ver} onChange={(e) => setVersion(e.target.value)}>
            {vs.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version} {v.comment ? `— ${v.comment}` : ''}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Create policy record</button>
      </div>
      <Alert message={error} />
    </form>
  );
}
