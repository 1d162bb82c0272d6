// JSON Pointers (RFC 6901) from the validator and the explain trace, mapped onto the graph.
//
// `targetOfPointer` answers with the node (React Flow id), the branch index when the pointer
// goes into a branch, and the field: the member of the branch, endpoint, rule or document the
// pointer names next (`/Rules/r/GeoproximityLocations/0/Location/Latitude` gives field
// `Location`; `pointerTokens` gives the whole path). Pointers to the document itself or to its
// top-level members (`/RecordType`, `/StartRule`, `/Rules`, `/Comment`) land on the start node.

import { getOwn, hasOwn, listKeyOf, nodeId } from './convert';
import type { PolicyGraph, Target } from './types';

/** Escapes one reference token (`~` -> `~0`, `/` -> `~1`). */
export function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The reference tokens of a pointer, or null when it is not a valid JSON Pointer. Also accepts
 * the URI fragment form (`#/Rules/a%20b`).
 */
export function pointerTokens(pointer: string): string[] | null {
  let p = pointer;
  if (p.startsWith('#')) {
    try {
      p = decodeURIComponent(p.slice(1));
    } catch {
      return null;
    }
  }
  if (p === '') return [];
  if (!p.startsWith('/')) return null;
  const tokens: string[] = [];
  for (const raw of p.slice(1).split('/')) {
    if (/~(?![01])/.test(raw)) return null;
    tokens.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return tokens;
}

/** The pointer of a token path. */
export function pointerOf(tokens: string[]): string {
  return tokens.map((t) => `/${escapeToken(t)}`).join('');
}

function arrayIndex(token: string | undefined): number | null {
  return token !== undefined && /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : null;
}

/**
 * Where a pointer lands in the graph, or null when it names a rule or endpoint the graph does
 * not have (the graph changed since the pointer was made) or is not a valid pointer.
 */
export function targetOfPointer(g: PolicyGraph, pointer: string): Target | null {
  const tokens = pointerTokens(pointer);
  if (tokens === null) return null;
  if (tokens.length === 0) return { node: 'start' };
  const [top, key, next, ...rest] = tokens;
  if (top === 'Endpoints' && key !== undefined) {
    if (!hasOwn(g.endpoints, key)) return null;
    const t: Target = { node: nodeId(g, { kind: 'endpoint', key }) };
    if (next !== undefined) t.field = next;
    return t;
  }
  if (top === 'Rules' && key !== undefined) {
    const rule = getOwn(g.rules, key);
    if (rule === undefined) return null;
    const t: Target = { node: nodeId(g, { kind: 'rule', key }) };
    if (next === undefined) return t;
    let branch = -1;
    let field: string | undefined;
    if (rule.ruleType === 'failover' && (next === 'Primary' || next === 'Secondary')) {
      branch = rule.branches.findIndex((b) => b.slot === next);
      field = rest[0];
    } else if (next === listKeyOf(rule.ruleType)) {
      const i = arrayIndex(rest[0]);
      if (i !== null && i < rule.branches.length) {
        branch = i;
        field = rest[1];
      }
    }
    if (branch >= 0) {
      t.branch = branch;
      if (field !== undefined) t.field = field;
    } else t.field = next;
    return t;
  }
  return { node: 'start', field: top };
}

/** The pointer of a rule's branch (`/Rules/<key>/Locations/1`, `/Rules/<key>/Primary`), or null. */
export function pointerOfBranch(g: PolicyGraph, ruleKey: string, branchIndex: number): string | null {
  const rule = getOwn(g.rules, ruleKey);
  if (rule === undefined || !Number.isInteger(branchIndex) || branchIndex < 0 || branchIndex >= rule.branches.length) return null;
  const b = rule.branches[branchIndex];
  if (rule.ruleType === 'failover') return b.slot === 'item' ? null : pointerOf(['Rules', ruleKey, b.slot]);
  const listKey = listKeyOf(rule.ruleType);
  return listKey === undefined ? null : pointerOf(['Rules', ruleKey, listKey, String(branchIndex)]);
}

/** The pointer of a rule (`/Rules/<key>`). */
export function pointerOfRule(ruleKey: string): string {
  return pointerOf(['Rules', ruleKey]);
}

/** The pointer of an endpoint (`/Endpoints/<key>`). */
export function pointerOfEndpoint(endpointKey: string): string {
  return pointerOf(['Endpoints', endpointKey]);
}
