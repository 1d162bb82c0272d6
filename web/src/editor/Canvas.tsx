// The policy canvas: React Flow drawing the graph model, laid out with dagre. Node ids are the
// document keys (and `start`), so `[data-id="<key>"]` finds a node. Positions come from the
// layout, and nodes the user drags keep their place until "Auto layout" is pressed.
import { memo, useEffect, useMemo, useState } from 'react';
import {
  Background,
  Controls,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
  type NodeChange,
  applyNodeChanges,
  useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { PolicyGraph } from '../model/types';
import { RULE_LABEL, type RuleType } from '../model/types';
import { toFlow } from '../model/convert';

export interface NodeDecor {
  errors: string[];
  warnings: string[];
  onPath: boolean;
  /** Live overlay: answers per second (endpoints) and health of the branches into the node. */
  qps?: number;
  health?: 'ok' | 'bad' | 'unknown';
  /** Version diff: how the node differs from the other version. */
  diff?: 'added' | 'removed' | 'changed';
}

export interface CanvasProps {
  graph: PolicyGraph;
  positions: Map<string, { x: number; y: number }>;
  onPositions: (p: Map<string, { x: number; y: number }>) => void;
  selected: string | null;
  onSelect: (id: string | null) => void;
  decor: Map<string, NodeDecor>;
  pathEdges: Set<string>;
  edgeHealth: Map<string, 'ok' | 'bad' | 'unknown'>;
  /**
   * Deletes what the Delete key removed: nodes (each with its subtree when nothing else uses it;
   * their edges go with them), or else edges. The start point cannot be deleted.
   */
  onDelete: (nodeIds: string[], edgeIds: string[]) => void;
  /** Changes whenever a new layout is applied: the view is fitted to the graph again. */
  layoutKey: number;
  /** A view only (the version diff): nothing can be deleted or dragged. */
  readOnly?: boolean;
}

/** Fits the viewport to the graph after each new layout (rendered inside React Flow). */
function FitOnLayout(props: { layoutKey: number }) {
  const rf = useReactFlow();
  useEffect(() => {
    const t = requestAnimationFrame(() => rf.fitView({ padding: 0.15, maxZoom: 1.2 }));
    return () => cancelAnimationFrame(t);
  }, [props.layoutKey, rf]);
  return null;
}

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 78;

interface NodeData extends Record<string, unknown> {
  kind: 'start' | 'rule' | 'endpoint';
  title: string;
  key: string;
  sub: string;
  decor?: NodeDecor;
  unconnected: number;
}

function PolicyNode({ data, selected }: NodeProps<Node<NodeData>>) {
  const d = data.decor;
  const cls = [
    'pnode',
    `pnode-${data.kind}`,
    selected ? 'selected' : '',
    d?.errors.length ? 'has-error' : '',
    d?.onPath ? 'on-path' : '',
    d?.diff ? `diff-${d.diff}` : '',
  ].join(' ');
  return (
    <div className={cls} data-on-path={d?.onPath ? 'true' : undefined} data-errors={d?.errors.length || undefined} data-diff={d?.diff}>
      {d?.diff && <div className={`pnode-diff ${d.diff}`}>{d.diff}</div>}
      {data.kind !== 'start' && <Handle type="target" position={Position.Top} isConnectable={false} />}
      <div className="pnode-title">{data.title}</div>
      <div className="pnode-key">{data.key}</div>
      {data.sub && <div className="pnode-sub">{data.sub}</div>}
      {data.unconnected > 0 && <div className="pnode-warn">{data.unconnected} branch(es) not connected</div>}
      {d && d.qps !== undefined && <div className="pnode-live">{d.qps.toFixed(1)} q/s</div>}
      {d && d.health && d.health !== 'unknown' && (
        <div className={`pnode-health ${d.health}`}>{d.health === 'ok' ? 'healthy' : 'unhealthy'}</div>
      )}
      {d && d.errors.length > 0 && (
        <div className="pnode-errors" role="note" aria-label={`Errors on ${data.key}`}>
          {d.errors.map((e, i) => (
            <div key={i}>{e}</div>
          ))}
        </div>
      )}
      {d && d.errors.length === 0 && d.warnings.length > 0 && (
        <div className="pnode-warnings">{d.warnings.length} warning(s)</div>
      )}
      {data.kind !== 'endpoint' && <Handle type="source" position={Position.Bottom} isConnectable={false} />}
    </div>
  );
}

const nodeTypes = { policy: memo(PolicyNode) };

export function Canvas(props: CanvasProps) {
  const flow = useMemo(() => toFlow(props.graph), [props.graph]);
  // Sizes React Flow measured in the page (the minimap and fitView read them from the nodes).
  const [measured, setMeasured] = useState<Map<string, { width: number; height: number }>>(new Map());
  const nodes: Node<NodeData>[] = useMemo(
    () =>
      flow.nodes.map((n) => {
        const decor = props.decor.get(n.id);
        let title: string;
        let sub = '';
        let unconnected = 0;
        if (n.kind === 'start') {
          title = 'Start point';
          sub = `DNS type ${props.graph.recordType}`;
        } else if (n.kind === 'rule') {
          title = RULE_LABEL[n.ruleType as RuleType] ?? `${n.ruleType} rule`;
          const r = props.graph.rules[n.key];
          unconnected = r ? r.branches.filter((b) => b.ref === null).length : 0;
        } else {
          title = `Endpoint: ${n.endpointType ?? '?'}`;
          sub = String(n.value ?? '');
        }
        return {
          id: n.id,
          type: 'policy',
          position: props.positions.get(n.id) ?? { x: 0, y: 0 },
          data: { kind: n.kind, title, key: n.kind === 'start' ? '' : n.key, sub, decor, unconnected },
          selected: props.selected === n.id,
          deletable: n.kind !== 'start',
          ariaLabel: n.kind === 'start' ? 'Start point' : `${title} ${n.key}`,
          domAttributes: (decor?.onPath || decor?.diff
            ? { ...(decor.onPath ? { 'data-on-path': 'true' } : {}), ...(decor.diff ? { 'data-diff': decor.diff } : {}) }
            : undefined) as Record<string, string> | undefined,
          width: NODE_WIDTH,
          measured: measured.get(n.id),
        } as Node<NodeData>;
      }),
    [flow, props.positions, props.decor, props.selected, props.graph, measured],
  );
  const edges: Edge[] = useMemo(() => {
    // Branches of one rule that lead to the same child are drawn as one line with all their
    // labels ("GB · JP"); each keeps its own edge (for deletion and the simulated path), and the
    // others are drawn without a label underneath the first.
    // A branch gated by a health check carries its live status in its label.
    const mark = (id: string, label: string) => {
      const h = props.edgeHealth.get(id);
      return h === 'ok' ? `✓ ${label}` : h === 'bad' ? `✗ ${label} (unhealthy)` : label;
    };
    const groups = new Map<string, string[]>();
    for (const e of flow.edges) {
      const k = `${e.source}>${e.target}`;
      groups.set(k, [...(groups.get(k) ?? []), e.label ? mark(e.id, e.label) : '']);
    }
    const first = new Set<string>();
    return flow.edges.map((e) => {
      const k = `${e.source}>${e.target}`;
      const lead = !first.has(k);
      first.add(k);
      const onPath = props.pathEdges.has(e.id);
      const h = props.edgeHealth.get(e.id);
      const labels = (groups.get(k) ?? []).filter(Boolean);
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        label: lead ? labels.join(' · ') : undefined,
        animated: onPath,
        zIndex: onPath ? 2 : lead ? 1 : 0,
        className: [onPath ? 'on-path' : '', h === 'bad' ? 'unhealthy' : ''].join(' '),
        style: onPath ? { strokeWidth: 3, stroke: '#b45309' } : h === 'bad' ? { stroke: '#b91c1c', strokeDasharray: '6 4' } : undefined,
        labelStyle: { fontSize: 11 },
        labelBgPadding: [4, 2] as [number, number],
        ariaLabel: `Connection ${e.source} to ${e.target}${e.label ? ` (${e.label})` : ''}`,
      };
    });
  }, [flow, props.pathEdges, props.edgeHealth]);
  return (
    <div className="canvas" aria-label="Policy canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={(changes: NodeChange<Node<NodeData>>[]) => {
          // Selection from the keyboard (Enter on a focused node) or a click.
          for (const c of changes) if (c.type === 'select' && c.selected) props.onSelect(c.id);
          const sized = changes.filter((c) => c.type === 'dimensions' && c.dimensions);
          if (sized.length) {
            setMeasured((old) => {
              const m = new Map(old);
              for (const c of sized) if (c.type === 'dimensions' && c.dimensions) m.set(c.id, c.dimensions);
              return m;
            });
          }
          const moved = changes.filter((c) => c.type === 'position' && c.position);
          if (moved.length) {
            const next = applyNodeChanges(moved, nodes);
            const p = new Map(props.positions);
            for (const n of next) p.set(n.id, n.position);
            props.onPositions(p);
          }
        }}
        onNodeClick={(_, n) => props.onSelect(n.id)}
        onPaneClick={() => props.onSelect(null)}
        onDelete={({ nodes: ns, edges: es }) =>
          props.onDelete(
            ns.map((n) => n.id),
            es.map((e) => e.id),
          )
        }
        deleteKeyCode={props.readOnly ? null : ['Delete', 'Backspace']}
        nodesDraggable={!props.readOnly}
        nodesConnectable={false}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
        minZoom={0.05}
        proOptions={{ hideAttribution: true }}
      >
        <FitOnLayout layoutKey={props.layoutKey} />
        <Background />
        <Controls />
        {!props.readOnly && <MiniMap
          pannable
          zoomable
          ariaLabel="Minimap"
          nodeColor={(n) => {
            const d = n.data as NodeData;
            return d.decor?.onPath ? '#f59e0b' : d.kind === 'rule' ? '#1d4ed8' : d.kind === 'endpoint' ? '#15803d' : '#111827';
          }}
        />}
      </ReactFlow>
    </div>
  );
}
