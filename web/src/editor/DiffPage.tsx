// Two versions side by side: both canvases with the nodes that differ marked (added, removed,
// changed, from the server's structural diff by JSON Pointer), the list of document changes,
// and the predicted shift of traffic from the coverage of both versions.
import { useEffect, useMemo, useState } from 'react';
import { api, type Difference, type PolicyVersion } from '../api';
import { fromDocument, toFlow } from '../model/convert';
import { diffMarks, type Mark } from '../model/diffmarks';
import { layout } from '../model/layout';
import type { PolicyGraph } from '../model/types';
import { Link } from '../router';
import { Canvas, NODE_HEIGHT, NODE_WIDTH, type NodeDecor } from './Canvas';
import { DiffPanel } from '../map/DiffPanel';

function Side(props: { title: string; graph: PolicyGraph; marks: { nodes: Map<string, Mark>; edges: Set<string> } }) {
  const [positions, setPositions] = useState(() =>
    layout(toFlow(props.graph), { nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT, nodeSep: 70, rankSep: 110 }),
  );
  const [selected, setSelected] = useState<string | null>(null);
  const decor = useMemo(() => {
    const m = new Map<string, NodeDecor>();
    for (const [id, mark] of props.marks.nodes) m.set(id, { errors: [], warnings: [], onPath: false, diff: mark });
    return m;
  }, [props.marks]);
  return (
    <section aria-label={props.title}>
      <h2>{props.title}</h2>
      <Canvas
        graph={props.graph}
        positions={positions}
        onPositions={setPositions}
        selected={selected}
        onSelect={setSelected}
        decor={decor}
        pathEdges={props.marks.edges}
        edgeHealth={new Map()}
        layoutKey={0}
        onDelete={() => {}}
        readOnly
      />
    </section>
  );
}

export function DiffPage(props: { policyId: string; from: number; to: number }) {
  const [data, setData] = useState<{ l: PolicyVersion; r: PolicyVersion; diff: Difference[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!Number.isInteger(props.from) || !Number.isInteger(props.to)) {
      setError('Compare two versions: the address needs ?from=N&to=M with version numbers.');
      return;
    }
    Promise.all([api.version(props.policyId, props.from), api.version(props.policyId, props.to), api.diff(props.policyId, props.from, props.to)])
      .then(([l, r, d]) => setData({ l, r, diff: d.differences }))
      .catch((e) => setError(String(e.message ?? e)));
  }, [props.policyId, props.from, props.to]);
  const sides = useMemo(() => {
    if (!data) return null;
    const lg = fromDocument(JSON.parse(data.l.document));
    const rg = fromDocument(JSON.parse(data.r.document));
    return { lg, rg, lm: diffMarks(lg, data.diff, 'left'), rm: diffMarks(rg, data.diff, 'right') };
  }, [data]);
  const back = `/policies/${encodeURIComponent(props.policyId)}/versions/${props.to}`;
  if (error) {
    return (
      <main className="page">
        <p role="alert" className="error">
          {error}
        </p>
        <Link to={`/policies/${encodeURIComponent(props.policyId)}`}>Back to the policy</Link>
      </main>
    );
  }
  if (!data || !sides) return <main className="page">Loading…</main>;
  return (
    <main className="diff-page">
      <div className="page-head">
        <h1>
          {data.l.name}: v{data.l.version} → v{data.r.version}
        </h1>
        <Link to={back}>Open v{data.r.version}</Link>
      </div>
      <div className="diff-canvases">
        <Side title={`Version ${data.l.version}${data.l.comment ? ` — ${data.l.comment}` : ''}`} graph={sides.lg} marks={sides.lm} />
        <Side title={`Version ${data.r.version}${data.r.comment ? ` — ${data.r.comment}` : ''}`} graph={sides.rg} marks={sides.rm} />
      </div>
      <h2>
        {data.diff.length} change(s) in the document
      </h2>
      <ul className="doc-diff" aria-label="Document changes">
        {data.diff.map((d, i) => (
          <li key={i} data-kind={d.kind}>
            <span className={`badge ${d.kind === 'removed' ? 'bad' : d.kind === 'added' ? 'ok' : 'unknown'}`}>{d.kind}</span>{' '}
            <span className="mono">{d.pointer}</span>
            {d.before !== undefined && <span className="mono small"> {JSON.stringify(d.before)}</span>}
            {d.after !== undefined && <span className="mono small"> → {JSON.stringify(d.after)}</span>}
          </li>
        ))}
      </ul>
      <DiffPanel
        policyName={data.l.name}
        left={{ version: data.l.version, document: data.l.document }}
        right={{ version: data.r.version, document: data.r.document }}
      />
    </main>
  );
}
