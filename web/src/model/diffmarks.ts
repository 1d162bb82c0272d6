// Where a structural diff between two versions lands on each version's graph: the nodes to mark
// added, removed or changed, and the branches (edge ids) that differ.
import type { Difference } from '../api';
import { targetOfPointer } from './pointer';
import type { PolicyGraph } from './types';

export type Mark = 'added' | 'removed' | 'changed';

/** Node marks for one side: what the differences point at in that side's graph. */
export function diffMarks(g: PolicyGraph, diffs: Difference[], side: 'left' | 'right'): { nodes: Map<string, Mark>; edges: Set<string> } {
  const nodes = new Map<string, Mark>();
  const edges = new Set<string>();
  for (const d of diffs) {
    // A whole rule or endpoint added or removed is that, on the side that has it; anything
    // added, removed or changed inside a node changes that node on both sides.
    const whole = /^\/(Rules|Endpoints)\/[^/]+$/.test(d.pointer);
    if (whole && ((side === 'left' && d.kind === 'added') || (side === 'right' && d.kind === 'removed'))) continue;
    const t = targetOfPointer(g, d.pointer);
    if (!t) continue;
    const mark: Mark = whole && d.kind !== 'changed' ? (d.kind as Mark) : 'changed';
    if (nodes.get(t.node) !== 'added' && nodes.get(t.node) !== 'removed') nodes.set(t.node, mark);
    // The branch itself, where this side has it.
    const onThisSide = !((side === 'left' && d.kind === 'added') || (side === 'right' && d.kind === 'removed'));
    if (t.branch !== undefined && onThisSide) edges.add(`${t.node}#${t.branch}`);
  }
  return { nodes, edges };
}

