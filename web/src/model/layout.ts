// Top-to-bottom layout of the canvas with dagre. Positions are the nodes' top-left corners, as
// React Flow places them. Children keep their document order from left to right: dagre's
// crossing reduction may swap siblings of equal weight, so each rule's children that have no
// other parent are constrained to stay in branch order.

import dagre from '@dagrejs/dagre';

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  /** Vertical gap between ranks (default 70). */
  rankSep?: number;
  /** Horizontal gap between nodes (default 40). */
  nodeSep?: number;
}

interface LayoutInput {
  nodes: readonly { id: string }[];
  edges: readonly { id: string; source: string; target: string; branch?: number }[];
}

/** Top-left positions of every node, keyed by node id. */
export function layout(flow: LayoutInput, opts: LayoutOptions): Map<string, { x: number; y: number }> {
  const { nodeWidth, nodeHeight } = opts;
  const out = new Map<string, { x: number; y: number }>();
  if (flow.nodes.length === 0) return out;
  // dagre keeps nodes in plain objects, so node ids go in as `n<index>` (an id could be
  // `__proto__`, and integer-like ids would lose their insertion order).
  const internal = new Map<string, string>();
  flow.nodes.forEach((n, i) => {
    if (!internal.has(n.id)) internal.set(n.id, `n${i}`);
  });

  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', ranksep: opts.rankSep ?? 70, nodesep: opts.nodeSep ?? 40, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const [, v] of internal) g.setNode(v, { width: nodeWidth, height: nodeHeight });

  // Edges in document order: by source as the nodes come, then by branch.
  const edges = flow.edges
    .filter((e) => internal.has(e.source) && internal.has(e.target) && e.source !== e.target)
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const sa = internal.get(a.e.source)!;
      const sb = internal.get(b.e.source)!;
      if (sa !== sb) return Number(sa.slice(1)) - Number(sb.slice(1));
      return (a.e.branch ?? 0) - (b.e.branch ?? 0) || a.i - b.i;
    })
    .map((x) => x.e);
  const parents = new Map<string, Set<string>>();
  for (const e of edges) {
    const s = internal.get(e.source)!;
    const t = internal.get(e.target)!;
    g.setEdge(s, t, {}, e.id);
    if (!parents.has(t)) parents.set(t, new Set());
    parents.get(t)!.add(s);
  }

  // Children with a single parent stay in branch order (one order per parent: acyclic).
  const constraints: { left: string; right: string }[] = [];
  const childrenOf = new Map<string, string[]>();
  for (const e of edges) {
    const s = internal.get(e.source)!;
    const t = internal.get(e.target)!;
    if (parents.get(t)!.size !== 1) continue;
    const list = childrenOf.get(s) ?? [];
    if (!list.includes(t)) list.push(t);
    childrenOf.set(s, list);
  }
  for (const list of childrenOf.values()) {
    // Every pair, as siblings may sit on different rows; a chain is enough for very wide rules.
    const wide = list.length > 40;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < (wide ? Math.min(i + 2, list.length) : list.length); j++) constraints.push({ left: list[i], right: list[j] });
    }
  }

  dagre.layout(g, { constraints });
  for (const [id, v] of internal) {
    const n = g.node(v);
    out.set(id, { x: n.x - nodeWidth / 2, y: n.y - nodeHeight / 2 });
  }
  return out;
}
