// One traffic policy: the canvas of a version, its properties, live validation, undo/redo,
// import/export, save as a new version, and the side views (simulate, coverage, versions and
// diff, policy records, live overlay).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  api,
  type Explanation,
  type GeoLocation,
  type HealthCheck,
  type PolicyRecord,
  type PolicyVersion,
  type RegionInfo,
  type Validation,
} from '../api';
import { navigate, Link } from '../router';
import { fromDocument, nodeId, parseDocumentText, toDocument, toFlow, toText } from '../model/convert';
import { targetOfPointer } from '../model/pointer';
import {
  addEndpoint,
  addRule,
  canConnect,
  connect,
  deleteNode,
  disconnectEdge,
  removeBranch,
  renameNode,
  setEndpoint,
  setRecordType,
  updateBranchFields,
} from '../model/edit';
import { layout } from '../model/layout';
import type { PolicyGraph, Ref } from '../model/types';
import { Canvas, NODE_HEIGHT, NODE_WIDTH, type NodeDecor } from './Canvas';
import { Properties, refOfNode, type EditAction, type FieldIssues, type Parent } from './Properties';
import { Simulate } from './Simulate';
import { VersionsPanel } from './VersionsPanel';
import { LivePanel, type LiveView } from './LivePanel';
import { RecordsTable } from '../pages/RecordsPage';
import { CoveragePanel } from '../map/CoveragePanel';
import { Alert } from '../Alert';

const EMPTY: PolicyGraph = {
  formatVersion: '2015-10-01',
  recordType: 'A',
  start: null,
  endpoints: {},
  rules: {},
  extra: {},
};

interface History {
  past: PolicyGraph[];
  present: PolicyGraph;
  future: PolicyGraph[];
}

type Tab = 'properties' | 'simulate' | 'coverage' | 'versions' | 'records' | 'live';

export function PolicyPage(props: { policyId: string | null; version?: number }) {
  const [versions, setVersions] = useState<PolicyVersion[]>([]);
  const [base, setBase] = useState<{ version: PolicyVersion | null; graph: PolicyGraph } | null>(
    props.policyId ? null : { version: null, graph: EMPTY },
  );
  const [hist, setHist] = useState<History>({ past: [], present: EMPTY, future: [] });
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('properties');
  const [validation, setValidation] = useState<Validation | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [comment, setComment] = useState('');
  const [explanation, setExplanation] = useState<Explanation | null>(null);
  const [dialog, setDialog] = useState<null | 'import' | 'export'>(null);
  const [healthChecks, setHealthChecks] = useState<HealthCheck[]>([]);
  const [geolocations, setGeolocations] = useState<GeoLocation[]>([]);
  const [regions, setRegions] = useState<{ regions: RegionInfo[]; local_zones: RegionInfo[] }>({ regions: [], local_zones: [] });
  const [records, setRecords] = useState<PolicyRecord[]>([]);
  const [live, setLive] = useState<LiveView | null>(null);
  const [coverageDown, setCoverageDown] = useState<string[]>([]);
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }>>(new Map());
  const graph = hist.present;

  // Reference data for the properties panel.
  const [refError, setRefError] = useState<string | null>(null);
  useEffect(() => {
    const fail = (what: string) => (e: unknown) => setRefError(`Could not load ${what}: ${String((e as Error).message ?? e)}`);
    const checks = () => api.healthChecks().then(setHealthChecks, fail('the health checks'));
    checks();
    api.geolocations().then(setGeolocations, fail('the geolocation list'));
    api.regions().then(setRegions, fail('the region list'));
    // Branch health on the canvas and in the live overlay follows the checkers.
    const t = setInterval(checks, 5000);
    return () => clearInterval(t);
  }, []);

  const loadVersions = useCallback(async () => {
    if (!props.policyId) return;
    const [vs, rs] = await Promise.all([api.versions(props.policyId), api.records()]);
    setVersions(vs);
    setRecords(rs.filter((r) => r.policy_id === props.policyId));
    return vs;
  }, [props.policyId]);

  // Load the version on screen: the one in the path, or the latest.
  useEffect(() => {
    if (!props.policyId) {
      setHist({ past: [], present: EMPTY, future: [] });
      return;
    }
    let stale = false;
    (async () => {
      try {
        const vs = (await loadVersions()) ?? [];
        const n = props.version ?? Math.max(...vs.map((v) => v.version));
        const v = vs.find((x) => x.version === n) ?? (await api.version(props.policyId!, n));
        if (stale) return;
        const g = fromDocument(JSON.parse(v.document));
        setBase({ version: v, graph: g });
        setHist({ past: [], present: g, future: [] });
        setComment('');
        setExplanation(null);
        setLoadError(null);
      } catch (e) {
        if (!stale) setLoadError(String((e as Error).message ?? e));
      }
    })();
    return () => {
      stale = true;
    };
  }, [props.policyId, props.version, loadVersions]);

  const docText = useMemo(() => toText(toDocument(graph)), [graph]);
  const dirty = base !== null && graph !== base.graph;

  // Live validation by the server's validator, debounced; an answer for an older document is
  // dropped, so pointers are always placed on the graph they were computed for.
  const validationSeq = useRef(0);
  useEffect(() => {
    const seq = ++validationSeq.current;
    setValidation(null);
    const t = setTimeout(() => {
      const done = (v: Validation) => {
        if (seq === validationSeq.current) setValidation(v);
      };
      api.validate(docText).then(done, (e) =>
        done({ valid: false, record_type: null, errors: [{ pointer: '', message: String(e.message ?? e) }], warnings: [] }),
      );
    }, 350);
    return () => clearTimeout(t);
  }, [docText]);

  // Layout: recomputed when the structure changes; dragged nodes keep their place until then.
  const structure = useMemo(() => {
    const f = toFlow(graph);
    return JSON.stringify([f.nodes.map((n) => n.id), f.edges.map((e) => `${e.source}>${e.target}`)]);
  }, [graph]);
  const [layoutKey, setLayoutKey] = useState(0);
  const relayout = useCallback(() => {
    setPositions(layout(toFlow(graph), { nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT, nodeSep: 70, rankSep: 110 }));
    setLayoutKey((k) => k + 1);
  }, [graph]);
  useEffect(() => {
    relayout();
  }, [structure]); // eslint-disable-line react-hooks/exhaustive-deps

  // Undo/redo.
  const apply = useCallback((next: PolicyGraph) => {
    setHist((h) => (next === h.present ? h : { past: [...h.past.slice(-199), h.present], present: next, future: [] }));
    setExplanation(null);
    setSaveError(null);
  }, []);
  const undo = useCallback(() => setHist((h) => (h.past.length ? { past: h.past.slice(0, -1), present: h.past[h.past.length - 1], future: [h.present, ...h.future] } : h)), []);
  const redo = useCallback(() => setHist((h) => (h.future.length ? { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1) } : h)), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) redo();
        else undo();
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        redo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, redo]);

  const edit = useCallback(
    (a: EditAction): string | null => {
      const g = hist.present;
      try {
        const hang = (parent: Parent, child: Ref, gg: PolicyGraph): PolicyGraph | string => {
          const ok = canConnect(gg, parent, child);
          if (ok !== true) return typeof ok === 'string' ? ok : 'this connection is not allowed';
          return connect(gg, parent, child);
        };
        let next: PolicyGraph | string;
        switch (a.op) {
          case 'recordType':
            next = setRecordType(g, a.value);
            break;
          case 'connectNewRule': {
            const r = addRule(g, a.ruleType);
            next = hang(a.parent, { kind: 'rule', key: r.key }, r.graph);
            if (typeof next !== 'string') setSelected(nodeId(next, { kind: 'rule', key: r.key }));
            break;
          }
          case 'connectNewEndpoint': {
            if (!a.value) return 'Endpoint value: enter the value the endpoint answers with.';
            const r = addEndpoint(g, a.endpointType, a.value);
            next = hang(a.parent, { kind: 'endpoint', key: r.key }, r.graph);
            break;
          }
          case 'connectExisting':
            next = hang(a.parent, a.child, g);
            break;
          case 'branchFields':
            next = updateBranchFields(g, a.rule, a.index, a.fields);
            break;
          case 'removeBranch':
            next = removeBranch(g, a.rule, a.index);
            break;
          case 'endpoint':
            next = setEndpoint(g, a.key, a.fields);
            break;
          case 'rename': {
            if (!/^[A-Za-z0-9_.-]{1,100}$/.test(a.key)) return 'Key: 1 to 100 letters, digits, "_", "-" or ".".';
            if (Object.hasOwn(g.rules, a.key) || Object.hasOwn(g.endpoints, a.key)) return `Key: ${a.key} is already used by another node.`;
            next = renameNode(g, a.ref, a.key);
            setSelected(nodeId(next, { kind: a.ref.kind, key: a.key }));
            break;
          }
          case 'delete':
            next = deleteNode(g, a.ref);
            setSelected(null);
            break;
          case 'disconnectStart':
            next = { ...g, start: null };
            break;
        }
        if (typeof next === 'string') return next;
        apply(next);
        return null;
      } catch (e) {
        return String((e as Error).message ?? e);
      }
    },
    [hist.present, apply],
  );

  // Validation messages by node and by field.
  const { decorBase, issuesByNode } = useMemo(() => {
    const d = new Map<string, NodeDecor>();
    const byNode = new Map<string, Map<string, string[]>>();
    const get = (id: string) => {
      let x = d.get(id);
      if (!x) d.set(id, (x = { errors: [], warnings: [], onPath: false }));
      return x;
    };
    const add = (list: 'errors' | 'warnings', pointer: string, message: string) => {
      const t = targetOfPointer(graph, pointer) ?? { node: 'start' };
      get(t.node)[list].push(message);
      let m = byNode.get(t.node);
      if (!m) byNode.set(t.node, (m = new Map()));
      const k = `${t.branch ?? -1}|${t.field ?? ''}`;
      m.set(k, [...(m.get(k) ?? []), list === 'errors' ? message : `Warning: ${message}`]);
    };
    for (const e of validation?.errors ?? []) add('errors', e.pointer, e.message);
    for (const w of validation?.warnings ?? []) add('warnings', w.pointer, w.message);
    return { decorBase: d, issuesByNode: byNode };
  }, [validation, graph]);

  // The simulated path.
  const { decor, pathEdges } = useMemo(() => {
    const d = new Map<string, NodeDecor>();
    for (const [k, v] of decorBase) d.set(k, { ...v });
    const edges = new Set<string>();
    const mark = (id: string) => {
      const x = d.get(id) ?? { errors: [], warnings: [], onPath: false };
      d.set(id, { ...x, onPath: true });
    };
    if (explanation) {
      mark('start');
      if (graph.start) edges.add('start#0');
      for (const s of explanation.trace) {
        if (!s.pointer) continue;
        const t = targetOfPointer(graph, s.pointer);
        if (!t) continue;
        if (s.event === 'rule' || s.event === 'start') mark(t.node);
        if (s.event === 'choose' && t.branch !== undefined) edges.add(`${t.node}#${t.branch}`);
      }
      for (const e of explanation.endpoints) {
        mark(nodeId(graph, { kind: 'endpoint', key: e.id }));
      }
    }
    if (live) {
      for (const [k, q] of live.qps) {
        const x = d.get(k) ?? { errors: [], warnings: [], onPath: false };
        d.set(k, { ...x, qps: q });
      }
    }
    return { decor: d, pathEdges: edges };
  }, [decorBase, explanation, graph, live]);

  // Branch health from the health checks' live status.
  const edgeHealth = useMemo(() => {
    const m = new Map<string, 'ok' | 'bad' | 'unknown'>();
    const status = new Map(healthChecks.map((h) => [h.id, h.status]));
    for (const [key, r] of Object.entries(graph.rules)) {
      r.branches.forEach((b, i) => {
        const hc = b.fields.HealthCheck;
        if (typeof hc !== 'string') return;
        const s = status.get(hc) ?? 'unknown';
        m.set(`${key}#${i}`, s.startsWith('healthy') ? 'ok' : s.startsWith('unhealthy') ? 'bad' : 'unknown');
      });
    }
    return m;
  }, [graph, healthChecks]);

  const issues: FieldIssues = useMemo(() => {
    const m = (selected && issuesByNode.get(selected)) || new Map<string, string[]>();
    return {
      get: (branch: number, field: string) => m.get(`${branch}|${field}`) ?? [],
      node: m.get('-1|') ?? [],
    };
  }, [selected, issuesByNode]);

  const nodeIds = useMemo(() => toFlow(graph).nodes.map((n) => n.id), [graph]);
  const referencedChecks = useMemo(() => {
    const s = new Set<string>();
    for (const r of Object.values(graph.rules)) for (const b of r.branches) if (typeof b.fields.HealthCheck === 'string') s.add(b.fields.HealthCheck);
    return [...s].sort();
  }, [graph]);
  const aliasTargets = useMemo(
    () => Object.values(graph.endpoints).filter((e) => e.Type !== 'value' && typeof e.Value === 'string').map((e) => String(e.Value)),
    [graph],
  );

  const [saving, setSaving] = useState(false);
  const save = async () => {
    if (saving) return;
    setSaving(true);
    try {
      await saveNow();
    } finally {
      setSaving(false);
    }
  };
  const saveNow = async () => {
    setSaveError(null);
    const v = await api.validate(docText).catch((e) => ({ valid: false, record_type: null, errors: [{ pointer: '', message: String(e.message ?? e) }], warnings: [] }) as Validation);
    setValidation(v);
    if (v.errors.length) {
      setSaveError(
        `Not saved: the document has ${v.errors.length} error(s). ${v.errors
          .slice(0, 3)
          .map((e) => `${e.pointer || '(document)'}: ${e.message}`)
          .join(' · ')}`,
      );
      return;
    }
    try {
      if (!props.policyId) {
        if (!name.trim()) {
          setSaveError('Not saved: enter a policy name (1 to 512 characters).');
          return;
        }
        const created = await api.createPolicy(name.trim(), docText, comment);
        navigate(`/policies/${encodeURIComponent(created.id)}/versions/${created.version}`);
      } else {
        const created = await api.createVersion(props.policyId, docText, comment);
        navigate(`/policies/${encodeURIComponent(created.id)}/versions/${created.version}`);
      }
    } catch (e) {
      setSaveError(`Not saved: ${String((e as Error).message ?? e)}`);
    }
  };

  const title = base?.version ? `${base.version.name} v${base.version.version}` : 'New traffic policy';
  const servedBy = records.filter((r) => base?.version && r.version === base.version.version);
  const errorCount = validation?.errors.length ?? 0;
  const warningCount = validation?.warnings.length ?? 0;

  if (loadError) {
    return (
      <main className="page">
        <p role="alert" className="error">
          {loadError}
        </p>
        <Link to="/">Back to the traffic policies</Link>
      </main>
    );
  }
  return (
    <main className="editor">
      <div className="toolbar" role="toolbar" aria-label="Policy editor">
        <h1>
          {title}
          {dirty && <span className="muted"> (edited)</span>}
        </h1>
        {!props.policyId && (
          <label className="inline">
            Policy name
            <input value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} />
          </label>
        )}
        <button onClick={undo} disabled={!hist.past.length} aria-label="Undo">
          Undo
        </button>
        <button onClick={redo} disabled={!hist.future.length} aria-label="Redo">
          Redo
        </button>
        <button onClick={relayout}>Auto layout</button>
        <button onClick={() => setDialog('import')}>Import</button>
        <button onClick={() => setDialog('export')}>Export</button>
        <label className="inline">
          Comment
          <input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="what changed" />
        </label>
        <button className="primary" onClick={save} disabled={saving}>
          Save as new version
        </button>
        <span className={`validity ${errorCount ? 'bad' : 'ok'}`} aria-live="polite" data-testid="validity">
          {validation === null ? 'validating…' : errorCount ? `${errorCount} error(s)` : 'valid'}
          {warningCount ? `, ${warningCount} warning(s)` : ''}
        </span>
      </div>
      <Alert message={refError} className="banner" />
      <Alert message={saveError} className="banner" />
      {validation && validation.errors.length > 0 && (
        <details className="diagnostics">
          <summary>Validation: {validation.errors.length} error(s)</summary>
          <ul>
            {validation.errors.map((e, i) => {
              const t = targetOfPointer(graph, e.pointer);
              return (
                <li key={i}>
                  <button className="link" onClick={() => t && (setSelected(t.node), setTab('properties'))}>
                    {e.pointer || '(document)'}
                  </button>{' '}
                  {e.message}
                </li>
              );
            })}
          </ul>
        </details>
      )}
      <div className="editor-body">
        <Canvas
          graph={graph}
          positions={positions}
          onPositions={setPositions}
          selected={selected}
          onSelect={(id) => {
            setSelected(id);
            // Simulate and Coverage stay open (the coverage grid follows the selected rule).
            if (id && tab !== 'simulate' && tab !== 'coverage') setTab('properties');
          }}
          decor={decor}
          pathEdges={pathEdges}
          edgeHealth={edgeHealth}
          layoutKey={layoutKey}
          onDelete={(nodeIds, edgeIds) => {
            let g = graph;
            try {
              if (nodeIds.length) {
                for (const id of nodeIds) {
                  const r = refOfNode(g, id);
                  if (r && r !== 'start' && (r.kind === 'rule' ? r.key in g.rules : r.key in g.endpoints)) g = deleteNode(g, r);
                }
                setSelected(null);
              } else {
                // Later branches first, so that earlier indices stay valid.
                const sorted = [...edgeIds].sort((x, y) => Number(y.split('#').pop()) - Number(x.split('#').pop()));
                for (const id of sorted) g = disconnectEdge(g, id);
              }
              apply(g);
            } catch {
              // Elements that no longer exist: nothing to delete.
            }
          }}
        />
        <aside className="side">
          <div role="tablist" aria-label="Views" className="tabs">
            {(['properties', 'simulate', 'coverage', 'versions', 'records', 'live'] as Tab[]).map((t) => (
              <button key={t} role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
                {t === 'live' ? 'Live' : t[0].toUpperCase() + t.slice(1)}
              </button>
            ))}
          </div>
          <div role="tabpanel" className="tabpanel">
            {tab === 'properties' && (
              <Properties
                graph={graph}
                selected={selected}
                onSelect={setSelected}
                edit={edit}
                healthChecks={healthChecks}
                geolocations={geolocations}
                regions={regions.regions}
                localZones={regions.local_zones}
                issues={issues}
                nodeIds={nodeIds}
                document={docText}
              />
            )}
            {tab === 'simulate' && (
              <Simulate document={docText} healthChecks={referencedChecks} targets={aliasTargets} onResult={setExplanation} />
            )}
            {tab === 'coverage' && referencedChecks.length > 0 && (
              <fieldset className="coverage-down">
                <legend>Treat as unhealthy</legend>
                {referencedChecks.map((h) => (
                  <label key={h} className="check">
                    <input
                      type="checkbox"
                      checked={coverageDown.includes(h)}
                      onChange={() => setCoverageDown((d) => (d.includes(h) ? d.filter((x) => x !== h) : [...d, h].sort()))}
                    />
                    health check {h}
                  </label>
                ))}
              </fieldset>
            )}
            {tab === 'coverage' && (
              <CoveragePanel
                document={docText}
                unhealthy={coverageDown}
                ruleForGrid={(() => {
                  const r = selected ? refOfNode(graph, selected) : null;
                  if (r && r !== 'start' && r.kind === 'rule') {
                    const t = graph.rules[r.key]?.ruleType;
                    if (t === 'geoproximity' || t === 'latency') return r.key;
                  }
                  return null;
                })()}
              />
            )}
            {tab === 'versions' && props.policyId && (
              <VersionsPanel
                policyId={props.policyId}
                versions={versions}
                records={records}
                shown={base?.version?.version ?? null}
              />
            )}
            {tab === 'versions' && !props.policyId && <p className="muted">Save the policy to start its version history.</p>}
            {tab === 'records' && props.policyId && (
              <RecordsTable policyId={props.policyId} onChange={() => loadVersions().catch((e) => setRefError(String(e.message ?? e)))} />
            )}
            {tab === 'records' && !props.policyId && <p className="muted">Save the policy first, then bind it to a DNS name here.</p>}
            {tab === 'live' && (
              <LivePanel
                records={servedBy}
                version={base?.version?.version ?? null}
                graph={graph}
                healthChecks={healthChecks}
                onLive={setLive}
              />
            )}
          </div>
        </aside>
      </div>
      {dialog === 'import' && (
        <ImportDialog
          onClose={() => setDialog(null)}
          onImport={(g) => {
            apply(g);
            setSelected(null);
            setDialog(null);
          }}
        />
      )}
      {dialog === 'export' && (
        <ExportDialog
          text={!dirty && base?.version ? base.version.document : docText}
          exact={!dirty && !!base?.version}
          fileName={`${base?.version?.name ?? (name || 'policy')}-v${base?.version?.version ?? 'new'}.json`}
          onClose={() => setDialog(null)}
        />
      )}
    </main>
  );
}

/** Closes a dialog on Escape and gives focus back to what had it when the dialog opened. */
function useEscape(onClose: () => void) {
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close.current();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, []);
}

function ImportDialog(props: { onClose: () => void; onImport: (g: PolicyGraph) => void }) {
  useEscape(props.onClose);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="dialog-backdrop">
      <div role="dialog" aria-modal="true" aria-label="Import a policy document" className="dialog">
        <h2>Import a policy document</h2>
        <p className="muted">Paste a traffic policy document, or the escaped string that `aws route53 get-traffic-policy` prints. It replaces the canvas; Undo brings the old one back.</p>
        <label>
          Policy document
          <textarea ref={ref} rows={16} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        </label>
        <Alert message={error} />
        <div className="row">
          <button
            className="primary"
            onClick={() => {
              const r = parseDocumentText(text);
              if (!r.ok) {
                setError(r.error);
                return;
              }
              props.onImport(fromDocument(r.doc));
            }}
          >
            Import document
          </button>
          <button onClick={props.onClose}>Cancel</button>
        </div>
      </div>
    </div>
  );
}

function ExportDialog(props: { text: string; exact: boolean; fileName: string; onClose: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  useEscape(props.onClose);
  const url = useMemo(() => URL.createObjectURL(new Blob([props.text], { type: 'application/json' })), [props.text]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <div className="dialog-backdrop">
      <div role="dialog" aria-modal="true" aria-label="Export the policy document" className="dialog">
        <h2>Export</h2>
        <p className="muted">
          {props.exact ? "The stored version's exact bytes." : 'The edited document (not saved yet).'}
        </p>
        <label>
          Exported document
          <textarea readOnly rows={16} value={props.text} />
        </label>
        <div className="row">
          <a className="button" href={url} download={props.fileName}>
            Download
          </a>
          <button
            onClick={() =>
              navigator.clipboard
                .writeText(props.text)
                .then(() => setCopied('Copied.'), (e) => setCopied(`Could not copy: ${String(e)}; select the text and copy it instead.`))
            }
          >
            Copy
          </button>
          {copied && <span role="status">{copied}</span>}
          <button onClick={props.onClose}>Close</button>
        </div>
      </div>
    </div>
  );
}
