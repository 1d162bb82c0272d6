import { describe, expect, it } from 'vitest';
import { fromDocument, toFlow } from './convert';
import { allDocuments } from './fixtures';
import { layout } from './layout';

const SIZE = { nodeWidth: 220, nodeHeight: 64 };

type Flow = ReturnType<typeof toFlow>;
type Positions = Map<string, { x: number; y: number }>;

/** Every node placed, finite, no two boxes overlapping, children below parents. */
function checkLayout(flow: Flow, pos: Positions) {
  expect([...pos.keys()].sort()).toEqual(flow.nodes.map((n) => n.id).sort());
  const boxes = [...pos.values()];
  for (const p of boxes) {
    expect(Number.isFinite(p.x)).toBe(true);
    expect(Number.isFinite(p.y)).toBe(true);
  }
  expect(new Set(boxes.map((p) => `${p.x},${p.y}`)).size).toBe(boxes.length);
  const sorted = [...pos.entries()].sort((a, b) => a[1].y - b[1].y || a[1].x - b[1].x);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j][1].y < sorted[i][1].y + SIZE.nodeHeight; j++) {
      const [a, b] = [sorted[i][1], sorted[j][1]];
      const overlap = Math.abs(a.x - b.x) < SIZE.nodeWidth && Math.abs(a.y - b.y) < SIZE.nodeHeight;
      expect(overlap, `${sorted[i][0]} and ${sorted[j][0]} overlap`).toBe(false);
    }
  }
  for (const e of flow.edges) expect(pos.get(e.target)!.y, `${e.id} points downwards`).toBeGreaterThan(pos.get(e.source)!.y);
}

/** Children that only one parent has, on one row, appear left to right in branch order. */
function checkSiblingOrder(flow: Flow, pos: Positions) {
  const parents = new Map<string, Set<string>>();
  for (const e of flow.edges) parents.set(e.target, (parents.get(e.target) ?? new Set()).add(e.source));
  const bySource = new Map<string, string[]>();
  for (const e of flow.edges) {
    if (parents.get(e.target)!.size !== 1) continue;
    const list = bySource.get(e.source) ?? [];
    if (!list.includes(e.target)) list.push(e.target);
    bySource.set(e.source, list);
  }
  let checked = 0;
  for (const [source, kids] of bySource) {
    const byRow = new Map<number, string[]>();
    for (const k of kids) byRow.set(pos.get(k)!.y, [...(byRow.get(pos.get(k)!.y) ?? []), k]);
    for (const row of byRow.values()) {
      const xs = row.map((k) => pos.get(k)!.x);
      expect(xs, `children of ${source}: ${row.join(', ')}`).toEqual([...xs].sort((a, b) => a - b));
      checked += row.length - 1;
    }
  }
  return checked;
}

describe.each(allDocuments)('layout of %s', (_name, text) => {
  it('places every node apart, top to bottom, branches in document order', () => {
    const flow = toFlow(fromDocument(JSON.parse(text)));
    const pos = layout(flow, SIZE);
    checkLayout(flow, pos);
    checkSiblingOrder(flow, pos);
  });
});

/** A policy of about 200 nodes: weighted -> 10 geo rules -> 9 failover rules each -> endpoints. */
function bigDocument() {
  const Endpoints: Record<string, unknown> = {};
  const Rules: Record<string, unknown> = {};
  const countries = ['DE', 'FR', 'GB', 'US', 'JP', 'BR', 'IN', 'AU', 'ZA'];
  Rules.top = { RuleType: 'weighted', Items: Array.from({ length: 10 }, (_, i) => ({ RuleReference: `geo_${i}`, Weight: String(i + 1) })) };
  for (let i = 0; i < 10; i++) {
    Endpoints[`regional_${i}`] = { Type: 'value', Value: `198.51.100.${i}` };
    Rules[`geo_${i}`] = {
      RuleType: 'geo',
      Locations: countries.map((c, j) => ({ RuleReference: `fo_${i}_${j}`, ...(j === 0 ? { Country: '*' } : { Country: c }) })),
    };
    for (let j = 0; j < countries.length; j++) {
      Endpoints[`server_${i}_${j}`] = { Type: 'value', Value: `192.0.2.${i * 10 + j}` };
      // Secondary endpoints are shared by every failover rule of a geo rule.
      Rules[`fo_${i}_${j}`] = { RuleType: 'failover', Primary: { EndpointReference: `server_${i}_${j}` }, Secondary: { EndpointReference: `regional_${i}` } };
    }
  }
  return { AWSPolicyFormatVersion: '2015-10-01', RecordType: 'A', StartRule: 'top', Endpoints, Rules };
}

describe('a 200-node policy', () => {
  it('lays out', () => {
    const flow = toFlow(fromDocument(bigDocument()));
    expect(flow.nodes.length).toBeGreaterThanOrEqual(200);
    const t0 = performance.now();
    const pos = layout(flow, SIZE);
    const ms = performance.now() - t0;
    console.log(`layout of ${flow.nodes.length} nodes, ${flow.edges.length} edges: ${ms.toFixed(0)} ms`);
    checkLayout(flow, pos);
    expect(checkSiblingOrder(flow, pos)).toBeGreaterThan(50);
  });
});

describe('layout', () => {
  it('accepts node ids that are object property names or numbers', () => {
    const flow = {
      nodes: [{ id: 'start' }, { id: '__proto__' }, { id: '10' }, { id: '2' }, { id: 'constructor' }],
      edges: [
        { id: 'start#0', source: 'start', target: '__proto__', branch: 0 },
        { id: '__proto__#0', source: '__proto__', target: '10', branch: 0 },
        { id: '__proto__#1', source: '__proto__', target: '2', branch: 1 },
        { id: '__proto__#2', source: '__proto__', target: 'constructor', branch: 2 },
      ],
    };
    const pos = layout(flow, SIZE);
    expect(pos.size).toBe(5);
    expect(pos.get('10')!.x).toBeLessThan(pos.get('2')!.x);
    expect(pos.get('2')!.x).toBeLessThan(pos.get('constructor')!.x);
  });

  it('returns top-left corners and handles an empty flow', () => {
    expect(layout({ nodes: [], edges: [] }, SIZE).size).toBe(0);
    const pos = layout({ nodes: [{ id: 'a' }], edges: [] }, SIZE);
    expect(pos.get('a')).toEqual({ x: 0, y: 0 });
  });
});
