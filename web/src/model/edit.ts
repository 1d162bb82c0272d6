// Immutable edit operations on the policy graph, as the canvas and the properties panel use
// them. Each takes a graph and returns a new one; the input is never modified, and parts that
// do not change are shared. An edit the graph cannot take (a cycle, a third failover branch, a
// key already in use, a rule that does not exist) throws `EditError` with a message for the
// user, and nothing is applied; `canConnect` checks a connection beforehand.

import {
  getOwn,
  hasOwn,
  isPlainObject,
  listKeyOf,
  nodeId,
  parentOfEdgeId,
  reachableNodeIds,
  refExists,
  sameRef,
  setOwn,
} from './convert';
import type { Parent } from './convert';
import type { Branch, Endpoint, PolicyGraph, Ref, Rule, RuleType } from './types';

export type { Parent } from './convert';

/** An edit that was refused; the message says why, for the user. */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}

/** Runs an edit and reports a refusal as a value instead of an exception. */
export function tryEdit<T>(f: () => T): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof EditError) return { ok: false, error: e.message };
    throw e;
  }
}

const REF_MEMBERS = ['EndpointReference', 'RuleReference'];

function describe(ref: Ref): string {
  return `${ref.kind} ${JSON.stringify(ref.key)}`;
}

function requireRule(g: PolicyGraph, key: string): Rule {
  const r = getOwn(g.rules, key);
  if (r === undefined) throw new EditError(`There is no rule ${JSON.stringify(key)}.`);
  return r;
}

function requireBranch(g: PolicyGraph, ruleKey: string, index: number): Rule {
  const r = requireRule(g, ruleKey);
  if (!Number.isInteger(index) || index < 0 || index >= r.branches.length) {
    throw new EditError(`Rule ${JSON.stringify(ruleKey)} has no branch ${index} (it has ${r.branches.length}).`);
  }
  return r;
}

/** A copy of `o` with `key` set to `value`, keeping the member's place. */
function withMember<T>(o: Record<string, T>, key: string, value: T): Record<string, T> {
  const c = { ...o };
  setOwn(c, key, value);
  return c;
}

function withRule(g: PolicyGraph, key: string, rule: Rule): PolicyGraph {
  return { ...g, rules: withMember(g.rules, key, rule) };
}

function checkFields(fields: Record<string, unknown>): Record<string, unknown> {
  if (!isPlainObject(fields)) throw new EditError('Branch fields must be an object.');
  for (const k of REF_MEMBERS) {
    if (hasOwn(fields, k)) throw new EditError(`${k} is not a field: connect the branch to its child instead.`);
  }
  return { ...fields };
}

/** Whether a key is taken by a rule or an endpoint (also by entries kept unmodelled). */
export function keyInUse(g: PolicyGraph, key: string): boolean {
  if (hasOwn(g.rules, key) || hasOwn(g.endpoints, key)) return true;
  for (const section of ['Rules', 'Endpoints']) {
    const kept = getOwn(g.extra, section);
    if (isPlainObject(kept) && hasOwn(kept, key)) return true;
  }
  return false;
}

/** `<prefix>_<n>` with the smallest n >= 1 not used by any rule or endpoint. */
export function freshKey(g: PolicyGraph, prefix: string): string {
  for (let n = 1; ; n++) {
    const k = `${prefix}_${n}`;
    if (!keyInUse(g, k)) return k;
  }
}

/** Adds a rule with no branches, keyed like `geo_1`. */
export function addRule(g: PolicyGraph, type: RuleType): { graph: PolicyGraph; key: string } {
  const key = freshKey(g, type);
  return { graph: withRule(g, key, { ruleType: type, branches: [], extra: {} }), key };
}

/** Adds an endpoint `{Type, Value}` (plus `more` members), keyed like `endpoint_1`. */
export function addEndpoint(
  g: PolicyGraph,
  type: string,
  value: string,
  more: Record<string, unknown> = {},
): { graph: PolicyGraph; key: string } {
  const key = freshKey(g, 'endpoint');
  const e: Endpoint = { Type: type, Value: value };
  for (const [k, v] of Object.entries(more)) setOwn(e, k, v);
  return { graph: { ...g, endpoints: withMember(g.endpoints, key, e) }, key };
}

/**
 * The fields a new branch of the rule starts with: geo `{Country: ''}`, latency `{Region: ''}`,
 * weighted `{Weight: '1'}` (a number when the rule's other weights are numbers), geoproximity
 * `{Region: ''}` in format 2015-10-01 or `{Location: {Type: 'Region', LocationName: ''}}` in
 * 2023-05-09 (following the rule's other branches when they use the other form), and nothing
 * for failover and multivalue.
 */
export function defaultBranchFields(g: PolicyGraph, ruleKey: string): Record<string, unknown> {
  const r = requireRule(g, ruleKey);
  switch (r.ruleType) {
    case 'geo':
      return { Country: '' };
    case 'latency':
      return { Region: '' };
    case 'weighted': {
      const numeric = r.branches.some((b) => typeof getOwn(b.fields, 'Weight') === 'number');
      return { Weight: numeric ? 1 : '1' };
    }
    case 'geoproximity': {
      const withLocation = r.branches.some((b) => hasOwn(b.fields, 'Location'));
      const flat = r.branches.some((b) => hasOwn(b.fields, 'Region') || hasOwn(b.fields, 'Latitude'));
      const useLocation = withLocation || (!flat && g.formatVersion === '2023-05-09');
      return useLocation ? { Location: { Type: 'Region', LocationName: '' } } : { Region: '' };
    }
    default:
      return {};
  }
}

/** The rule with a new branch appended (failover: the missing slot), or an EditError. */
function appendBranch(g: PolicyGraph, ruleKey: string, fields: Record<string, unknown>, ref: Ref | null): Rule {
  const r = requireRule(g, ruleKey);
  const extra = { ...r.extra };
  if (r.ruleType === 'failover') {
    const has = (slot: string) => r.branches.some((b) => b.slot === slot);
    if (has('Primary') && has('Secondary')) {
      throw new EditError(`Failover rule ${JSON.stringify(ruleKey)} already has its Primary and Secondary branches.`);
    }
    const slot = has('Primary') ? 'Secondary' : 'Primary';
    delete extra[slot];
    const b: Branch = { slot, fields, ref };
    return { ...r, extra, branches: slot === 'Primary' ? [b, ...r.branches] : [...r.branches, b] };
  }
  const listKey = listKeyOf(r.ruleType);
  if (listKey === undefined) {
    throw new EditError(`Rule ${JSON.stringify(ruleKey)} has no known RuleType (${JSON.stringify(r.ruleType)}), so it cannot take branches.`);
  }
  delete extra[listKey];
  return { ...r, extra, branches: [...r.branches, { slot: 'item', fields, ref }] };
}

/** Adds an unconnected branch with the given fields (failover: the missing slot; refuses a third). */
export function addBranch(g: PolicyGraph, ruleKey: string, fields: Record<string, unknown>): PolicyGraph {
  return withRule(g, ruleKey, appendBranch(g, ruleKey, checkFields(fields), null));
}

/** Replaces a branch's fields (in the given order). References are changed with `connect`. */
export function updateBranchFields(g: PolicyGraph, ruleKey: string, index: number, fields: Record<string, unknown>): PolicyGraph {
  const r = requireBranch(g, ruleKey, index);
  const f = checkFields(fields);
  const branches = r.branches.map((b, i) => (i === index ? { ...b, fields: f } : b));
  return withRule(g, ruleKey, { ...r, branches });
}

/** Removes a branch (failover: its slot). */
export function removeBranch(g: PolicyGraph, ruleKey: string, index: number): PolicyGraph {
  const r = requireBranch(g, ruleKey, index);
  return withRule(g, ruleKey, { ...r, branches: r.branches.filter((_, i) => i !== index) });
}

/** Whether `from` leads to rule `to` through existing rules (or is `to`). */
function ruleReaches(g: PolicyGraph, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const k = stack.pop()!;
    if (k === to) return true;
    if (seen.has(k)) continue;
    seen.add(k);
    const r = getOwn(g.rules, k);
    if (!r) continue;
    for (const b of r.branches) if (b.ref?.kind === 'rule') stack.push(b.ref.key);
  }
  return false;
}

/**
 * `true` when `child` can hang from `parent`, otherwise the reason. Refused: a child or parent
 * rule that does not exist, a branch index past the end of the rule's branches, a third
 * failover branch, a rule under a multivalue rule (its items take endpoints only), and any
 * connection that would let a rule reach itself.
 */
export function canConnect(g: PolicyGraph, parent: Parent, child: Ref): true | string {
  if (!refExists(g, child)) return `There is no ${describe(child)}.`;
  if (parent === 'start') return true;
  const r = getOwn(g.rules, parent.rule);
  if (r === undefined) return `There is no rule ${JSON.stringify(parent.rule)}.`;
  const n = r.branches.length;
  if (!Number.isInteger(parent.branch) || parent.branch < 0 || parent.branch > n) {
    return `Rule ${JSON.stringify(parent.rule)} has no branch ${parent.branch} (it has ${n}).`;
  }
  if (parent.branch === n) {
    if (r.ruleType === 'failover' && n >= 2) {
      return `Failover rule ${JSON.stringify(parent.rule)} already has its Primary and Secondary branches.`;
    }
    if (r.ruleType !== 'failover' && listKeyOf(r.ruleType) === undefined) {
      return `Rule ${JSON.stringify(parent.rule)} has no known RuleType (${JSON.stringify(r.ruleType)}), so it cannot take branches.`;
    }
  }
  if (child.kind === 'rule') {
    if (r.ruleType === 'multivalue') return 'A multivalue rule answers with endpoints only: its items cannot point to a rule.';
    if (child.key === parent.rule) return `Rule ${JSON.stringify(parent.rule)} cannot point to itself.`;
    if (ruleReaches(g, child.key, parent.rule)) {
      return `Rule ${JSON.stringify(child.key)} already leads to rule ${JSON.stringify(parent.rule)}: connecting it would make a loop.`;
    }
  }
  return true;
}

/**
 * Hangs `child` from `parent`: the start point, an existing branch (its child is replaced), or,
 * with a branch index equal to the number of branches, a new branch with the rule type's
 * default fields (failover fills Primary, then Secondary).
 */
export function connect(g: PolicyGraph, parent: Parent, child: Ref): PolicyGraph {
  const ok = canConnect(g, parent, child);
  if (ok !== true) throw new EditError(ok);
  const ref: Ref = { kind: child.kind, key: child.key };
  if (parent === 'start') return { ...g, start: ref };
  const r = requireRule(g, parent.rule);
  if (parent.branch === r.branches.length) {
    return withRule(g, parent.rule, appendBranch(g, parent.rule, defaultBranchFields(g, parent.rule), ref));
  }
  const branches = r.branches.map((b, i) => {
    if (i !== parent.branch) return b;
    const fields = { ...b.fields };
    for (const k of REF_MEMBERS) delete fields[k];
    return { ...b, fields, ref };
  });
  return withRule(g, parent.rule, { ...r, branches });
}

/**
 * Removes an edge: the start point's connection is cleared; a failover slot keeps its branch
 * (and fields) with no child; a list rule's branch is removed.
 */
export function disconnect(g: PolicyGraph, parent: Parent): PolicyGraph {
  if (parent === 'start') return g.start === null ? g : { ...g, start: null };
  const r = requireBranch(g, parent.rule, parent.branch);
  if (r.ruleType === 'failover') {
    const branches = r.branches.map((b, i) => (i === parent.branch ? { ...b, ref: null } : b));
    return withRule(g, parent.rule, { ...r, branches });
  }
  return removeBranch(g, parent.rule, parent.branch);
}

/** `disconnect` by React Flow edge id (`start#0`, `<rule node id>#<branch>`). */
export function disconnectEdge(g: PolicyGraph, edgeId: string): PolicyGraph {
  const p = parentOfEdgeId(g, edgeId);
  if (p === null) throw new EditError(`There is no connection ${JSON.stringify(edgeId)}.`);
  return disconnect(g, p);
}

/** Replaces an endpoint's members (Type, Value, Region, ...). */
export function setEndpoint(g: PolicyGraph, key: string, fields: Endpoint): PolicyGraph {
  if (!hasOwn(g.endpoints, key)) throw new EditError(`There is no endpoint ${JSON.stringify(key)}.`);
  if (!isPlainObject(fields)) throw new EditError('Endpoint fields must be an object.');
  return { ...g, endpoints: withMember(g.endpoints, key, { ...fields }) };
}

/** Sets the DNS type of the records the policy creates. */
export function setRecordType(g: PolicyGraph, recordType: string): PolicyGraph {
  const extra = { ...g.extra };
  delete extra.RecordType;
  return { ...g, recordType, extra };
}

/** Sets `AWSPolicyFormatVersion`. */
export function setFormatVersion(g: PolicyGraph, formatVersion: string): PolicyGraph {
  const extra = { ...g.extra };
  delete extra.AWSPolicyFormatVersion;
  return { ...g, formatVersion, extra };
}

function mapRefs(g: PolicyGraph, f: (ref: Ref) => Ref): PolicyGraph {
  const rules: Record<string, Rule> = {};
  for (const [k, r] of Object.entries(g.rules)) {
    let changed = false;
    const branches = r.branches.map((b) => {
      if (!b.ref) return b;
      const n = f(b.ref);
      if (n === b.ref) return b;
      changed = true;
      return { ...b, ref: n };
    });
    setOwn(rules, k, changed ? { ...r, branches } : r);
  }
  return { ...g, rules, start: g.start ? f(g.start) : null };
}

/** Renames a rule or endpoint, keeping its place, and updates every reference to it. */
export function renameNode(g: PolicyGraph, ref: Ref, newKey: string): PolicyGraph {
  if (!refExists(g, ref)) throw new EditError(`There is no ${describe(ref)}.`);
  if (newKey === ref.key) return g;
  if (newKey === '') throw new EditError('Key: a key cannot be empty.');
  if (keyInUse(g, newKey)) throw new EditError(`Key: ${JSON.stringify(newKey)} is already used by another rule or endpoint.`);
  const rename = <T>(o: Record<string, T>): Record<string, T> => {
    const c: Record<string, T> = {};
    for (const [k, v] of Object.entries(o)) setOwn(c, k === ref.key ? newKey : k, v);
    return c;
  };
  const renamed: PolicyGraph =
    ref.kind === 'rule' ? { ...g, rules: rename(g.rules) } : { ...g, endpoints: rename(g.endpoints) };
  return mapRefs(renamed, (r) => (sameRef(r, ref) ? { kind: r.kind, key: newKey } : r));
}

/** Every place that references `ref`: the start point and rule branches (in document order). */
export function referencesTo(g: PolicyGraph, ref: Ref): Parent[] {
  const out: Parent[] = [];
  if (sameRef(g.start, ref)) out.push('start');
  for (const [k, r] of Object.entries(g.rules)) {
    r.branches.forEach((b, i) => {
      if (sameRef(b.ref, ref)) out.push({ rule: k, branch: i });
    });
  }
  return out;
}

/**
 * Deletes a rule or endpoint and every reference to it (list-rule branches that point to it are
 * removed; failover slots and the start point are left unconnected), then deletes its
 * descendants that nothing else references any more: a subtree goes with its rule, a child
 * shared with another part of the policy stays.
 */
export function deleteNode(g: PolicyGraph, ref: Ref): PolicyGraph {
  if (!refExists(g, ref) && referencesTo(g, ref).length === 0) throw new EditError(`There is no ${describe(ref)}.`);
  const id = (r: Ref) => nodeId(g, r);
  const victimId = id(ref);
  const childrenOf = (r: Ref): Ref[] =>
    r.kind === 'rule' ? (getOwn(g.rules, r.key)?.branches ?? []).flatMap((b) => (b.ref && refExists(g, b.ref) ? [b.ref] : [])) : [];
  // The victim's descendants.
  const below = new Map<string, Ref>();
  const stack = childrenOf(ref);
  while (stack.length) {
    const r = stack.pop()!;
    const rid = id(r);
    if (rid === victimId || below.has(rid)) continue;
    below.set(rid, r);
    stack.push(...childrenOf(r));
  }
  // Those still reachable from a reference outside the victim's subgraph stay.
  const kept = new Set<string>();
  const roots: Ref[] = [];
  if (g.start && below.has(id(g.start))) roots.push(g.start);
  for (const key of Object.keys(g.rules)) {
    const rid = id({ kind: 'rule', key });
    if (rid === victimId || below.has(rid)) continue;
    for (const c of childrenOf({ kind: 'rule', key })) if (below.has(id(c))) roots.push(c);
  }
  while (roots.length) {
    const r = roots.pop()!;
    const rid = id(r);
    if (kept.has(rid) || !below.has(rid)) continue;
    kept.add(rid);
    roots.push(...childrenOf(r));
  }
  const doomed = (r: Ref | null) => r !== null && (sameRef(r, ref) || (refExists(g, r) && below.has(id(r)) && !kept.has(id(r))));

  const rules: Record<string, Rule> = {};
  for (const [k, r] of Object.entries(g.rules)) {
    if (doomed({ kind: 'rule', key: k })) continue;
    if (!r.branches.some((b) => doomed(b.ref))) {
      setOwn(rules, k, r);
      continue;
    }
    const branches =
      r.ruleType === 'failover'
        ? r.branches.map((b) => (doomed(b.ref) ? { ...b, ref: null } : b))
        : r.branches.filter((b) => !doomed(b.ref));
    setOwn(rules, k, { ...r, branches });
  }
  const endpoints: Record<string, Endpoint> = {};
  for (const [k, e] of Object.entries(g.endpoints)) if (!doomed({ kind: 'endpoint', key: k })) setOwn(endpoints, k, e);
  return { ...g, rules, endpoints, start: doomed(g.start) ? null : g.start };
}

/** Rules and endpoints the start point does not lead to (rules first, each in document order). */
export function unusedNodes(g: PolicyGraph): Ref[] {
  const seen = reachableNodeIds(g);
  const out: Ref[] = [];
  for (const key of Object.keys(g.rules)) if (!seen.has(nodeId(g, { kind: 'rule', key }))) out.push({ kind: 'rule', key });
  for (const key of Object.keys(g.endpoints)) if (!seen.has(nodeId(g, { kind: 'endpoint', key }))) out.push({ kind: 'endpoint', key });
  return out;
}
