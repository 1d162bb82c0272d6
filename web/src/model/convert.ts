// Traffic policy documents <-> the editor's graph model, and the graph -> React Flow data.
//
// `fromDocument` never throws, whatever JSON value it is given, and keeps everything it cannot
// model so that `toDocument(fromDocument(d))` is deep-equal to `d` for every well-formed
// document. What it keeps, and where:
//
// - Top-level members other than the six it knows go to `graph.extra`, and so does a known
//   member whose value cannot be modelled (`"RecordType": 5`, an empty `AWSPolicyFormatVersion`,
//   `"Rules": []`, a second start member when both StartRule and StartEndpoint are given).
//   `toDocument` writes such a value back in the member's usual place unless the model has a
//   value there itself.
// - `Endpoints` / `Rules` entries that are not objects are kept in `extra.Endpoints` /
//   `extra.Rules` (an object holding just those entries); an empty `Endpoints` / `Rules` object
//   is kept as `extra.Endpoints = {}` / `extra.Rules = {}` so that it is written back. Without
//   one, `toDocument` leaves `Rules` out when there are no rules (the minimal document form).
// - A rule's members other than `RuleType` and its branches go to `rule.extra`; a branch list
//   that is empty, not an array, or holds a non-object is kept whole in `rule.extra` (the rule
//   then has no branches) and written back while the rule has no branches. A rule with no
//   branches and nothing kept has no list member in the output.
// - A branch's `EndpointReference` / `RuleReference` becomes `ref` when exactly one of them is
//   given and it is a string; otherwise both stay in `fields` and `ref` is null. References to
//   keys that do not exist are kept as they are: the server's validator reports them.
//
// Output member order: AWSPolicyFormatVersion, RecordType, StartRule, StartEndpoint, Endpoints,
// Rules, then the other top-level members in their document order. A rule is written as
// RuleType, its branch list (or Primary, Secondary), then its other members; a branch as its
// reference followed by its fields in their order.
//
// React Flow node ids (`nodeId`): the start point is `start`; a rule's id is its key; an
// endpoint's id is its key too, except that an endpoint whose key is also a rule key is
// `endpoint:<key>`. A key that is literally `start`, or that begins with `rule:` or `endpoint:`,
// gets the `rule:` / `endpoint:` prefix as well, so that ids never collide. Edge ids are
// `<parent node id>#<branch index>`; the start edge is `start#0`.

import { RULE_LIST_KEY, RULE_TYPES } from './types';
import type { Branch, Endpoint, PolicyGraph, Ref, Rule, RuleType } from './types';

export type JsonObject = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether `o` has its own member `k` (safe for keys such as `__proto__` or `constructor`). */
export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** `o[k]` when `o` has its own member `k`, otherwise undefined. */
export function getOwn<T>(o: Record<string, T>, k: string): T | undefined {
  return hasOwn(o, k) ? o[k] : undefined;
}

/** Sets an own, enumerable member, also for the key `__proto__`. */
export function setOwn(o: JsonObject, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** A deep copy of a JSON value (other values are returned as they are). */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  if (isPlainObject(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const o: JsonObject = {};
    for (const [k, x] of Object.entries(v)) setOwn(o, k, cloneJson(x));
    return o as T;
  }
  return v;
}

export function isRuleType(t: unknown): t is RuleType {
  return typeof t === 'string' && (RULE_TYPES as string[]).includes(t);
}

/** The document member holding a rule type's branch list; undefined for failover and unknown types. */
export function listKeyOf(ruleType: string): string | undefined {
  return isRuleType(ruleType) && ruleType !== 'failover' ? RULE_LIST_KEY[ruleType] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Text

export type ParseResult = { ok: true; doc: JsonObject } | { ok: false; error: string };

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return 'an object';
}

/** Line and column (both from 1) of a UTF-16 offset in `text`. */
function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: pos - start + 1 };
}

/**
 * The offset of the first syntax error in `s`, or -1 when `s` is valid JSON. Engines do not all
 * say where JSON.parse stopped (V8 leaves the position out of "Unexpected token" errors).
 */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const str = (): boolean => {
    i++;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 32) return false;
      if (c === 92) {
        const e = s[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) i += 6;
        else return false;
      } else i++;
    }
    return false;
  };
  const num = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const value = (): boolean => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      ws();
      if (s[i] === '}') {
        i++;
        return true;
      }
      for (;;) {
        ws();
        if (s[i] !== '"' || !str()) return false;
        ws();
        if (s[i] !== ':') return false;
        i++;
        if (!value()) return false;
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === '}') {
          i++;
          return true;
        } else return false;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (s[i] === ']') {
        i++;
        return true;
      }
      for (;;) {
        if (!value()) return false;
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === ']') {
          i++;
          return true;
        } else return false;
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      num.lastIndex = i;
      const m = num.exec(s);
      if (!m) {
        i++;
        return false;
      }
      i += m[0].length;
      return true;
    }
    const lit = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : '';
    if (lit === '') return false;
    let k = 0;
    while (k < lit.length && s[i + k] === lit[k]) k++;
    i += k;
    return k === lit.length;
  };
  try {
    if (!value()) return Math.min(i, s.length);
  } catch {
    return -1; // nested too deeply to scan
  }
  ws();
  return i < s.length ? i : -1;
}

/** A JSON.parse error as "line L, column C: message (near: …)". */
function describeJsonError(text: string, e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  // Keep the engine's words, without its echo of the text and its own position.
  let msg = raw
    .replace(/^JSON\.parse: /, '')
    .replace(/ (in JSON )?at position \d+( \(line \d+ column \d+\))?/, '')
    .replace(/ at line \d+ column \d+ of the JSON data/, '')
    .replace(/, ".*" is not valid JSON$/s, '')
    .trim();
  if (msg === '') msg = 'not valid JSON';
  let pos = jsonErrorOffset(text);
  if (pos < 0) {
    const m = /position (\d+)/.exec(raw);
    pos = m ? Number(m[1]) : -1;
  }
  if (pos < 0) return msg;
  const { line, column } = lineColumn(text, pos);
  const lineText = text.split('\n')[line - 1] ?? '';
  const near = (lineText.length > 60 ? lineText.slice(Math.max(0, column - 30), column + 30) : lineText).trim();
  return `line ${line}, column ${column}: ${msg}${near ? ` (near: ${near})` : ''}`;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: describeJsonError(text, e) };
  }
}

/** True when `o` looks like an API/CLI answer around a document rather than a document. */
function hasDocumentMembers(o: JsonObject): boolean {
  return ['AWSPolicyFormatVersion', 'RecordType', 'StartRule', 'StartEndpoint', 'Endpoints', 'Rules'].some((k) => hasOwn(o, k));
}

/**
 * Reads a pasted traffic policy document. Accepts the JSON document itself; the escaped form
 * the AWS CLI prints (a JSON string literal holding the document, with or without its quotes,
 * or the line `"Document": "…",`); and the whole `get-traffic-policy` answer
 * (`{"TrafficPolicy": {"Document": "…"}}`) or a `{"Document": "…"}` object.
 */
export function parseDocumentText(text: string): ParseResult {
  let t = text.replace(/^\uFEFF/, '').trim();
  if (t === '') return { ok: false, error: 'The text is empty: paste a traffic policy document (a JSON object).' };
  // `"Document": "…",` copied from the CLI's output.
  const member = /^"Document"\s*:\s*("[\s\S]*")\s*,?$/.exec(t);
  if (member) t = member[1];
  let first = tryParse(t);
  if (!first.ok && /^\{\s*\\"/.test(t)) {
    // The escaped document copied without its surrounding quotes.
    const unquoted = tryParse(`"${t}"`);
    if (unquoted.ok) first = unquoted;
  }
  if (!first.ok) return { ok: false, error: `Not valid JSON: ${first.error}` };
  let value = first.value;
  if (typeof value === 'string') {
    const inner = value.trim();
    const second = tryParse(inner);
    if (!second.ok) return { ok: false, error: `The text is a JSON string, but its content is not a valid JSON document: ${second.error}` };
    value = second.value;
    if (typeof value === 'string') {
      // Escaped twice (copied from a log that quoted the CLI's output).
      const third = tryParse(value.trim());
      if (!third.ok) return { ok: false, error: `The text is a JSON string, but its content is not a valid JSON document: ${third.error}` };
      value = third.value;
    }
  }
  if (isPlainObject(value) && !hasDocumentMembers(value)) {
    const tp = getOwn(value, 'TrafficPolicy');
    const wrapped = isPlainObject(tp) ? getOwn(tp, 'Document') : getOwn(value, 'Document');
    if (typeof wrapped === 'string') {
      const inner = tryParse(wrapped.trim());
      if (!inner.ok) return { ok: false, error: `The Document member is not a valid JSON document: ${inner.error}` };
      value = inner.value;
    }
  }
  if (!isPlainObject(value)) {
    return { ok: false, error: `A traffic policy document must be a JSON object, found ${kindOf(value)}.` };
  }
  return { ok: true, doc: value };
}

/** The document as pretty JSON (2-space indent). */
export function toText(doc: unknown): string {
  return JSON.stringify(doc, null, 2);
}

// ---------------------------------------------------------------------------------------------
// Document -> graph

const TOP_LEVEL = ['AWSPolicyFormatVersion', 'RecordType', 'StartRule', 'StartEndpoint', 'Endpoints', 'Rules'];
const REF_MEMBERS = ['EndpointReference', 'RuleReference'];

/** A graph with no rules, no endpoints and no start point. */
export function emptyGraph(recordType = 'A', formatVersion = '2015-10-01'): PolicyGraph {
  return { formatVersion, recordType, start: null, endpoints: {}, rules: {}, extra: {} };
}

function parseBranch(slot: Branch['slot'], o: JsonObject): Branch {
  const hasE = hasOwn(o, 'EndpointReference');
  const hasR = hasOwn(o, 'RuleReference');
  let ref: Ref | null = null;
  let refMember: string | null = null;
  if (hasE && !hasR && typeof o.EndpointReference === 'string') {
    ref = { kind: 'endpoint', key: o.EndpointReference };
    refMember = 'EndpointReference';
  } else if (hasR && !hasE && typeof o.RuleReference === 'string') {
    ref = { kind: 'rule', key: o.RuleReference };
    refMember = 'RuleReference';
  }
  const fields: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (k !== refMember) setOwn(fields, k, cloneJson(v));
  return { slot, fields, ref };
}

function parseRule(o: JsonObject): Rule {
  const rt = getOwn(o, 'RuleType');
  const ruleType = typeof rt === 'string' && rt !== '' ? rt : '';
  const listKey = listKeyOf(ruleType);
  const rule: Rule = { ruleType, branches: [], extra: {} };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'RuleType') {
      if (ruleType === '') setOwn(rule.extra, k, cloneJson(v));
    } else if (ruleType === 'failover' && (k === 'Primary' || k === 'Secondary')) {
      if (isPlainObject(v)) rule.branches.push(parseBranch(k, v));
      else setOwn(rule.extra, k, cloneJson(v));
    } else if (listKey !== undefined && k === listKey) {
      if (Array.isArray(v) && v.length > 0 && v.every(isPlainObject)) {
        rule.branches = v.map((item) => parseBranch('item', item as JsonObject));
      } else setOwn(rule.extra, k, cloneJson(v));
    } else setOwn(rule.extra, k, cloneJson(v));
  }
  if (ruleType === 'failover') rule.branches.sort((a, b) => (a.slot === b.slot ? 0 : a.slot === 'Primary' ? -1 : 1));
  return rule;
}

/** The graph of a document. Never throws; see the top of this file for what is kept where. */
export function fromDocument(doc: unknown): PolicyGraph {
  const g: PolicyGraph = { formatVersion: '', recordType: '', start: null, endpoints: {}, rules: {}, extra: {} };
  if (!isPlainObject(doc)) return g;
  for (const [k, v] of Object.entries(doc)) {
    switch (k) {
      case 'AWSPolicyFormatVersion':
        if (typeof v === 'string' && v !== '') g.formatVersion = v;
        else setOwn(g.extra, k, cloneJson(v));
        break;
      case 'RecordType':
        if (typeof v === 'string' && v !== '') g.recordType = v;
        else setOwn(g.extra, k, cloneJson(v));
        break;
      case 'StartRule':
      case 'StartEndpoint':
        if (typeof v === 'string' && g.start === null) g.start = { kind: k === 'StartRule' ? 'rule' : 'endpoint', key: v };
        else setOwn(g.extra, k, cloneJson(v));
        break;
      case 'Endpoints':
      case 'Rules': {
        if (!isPlainObject(v)) {
          setOwn(g.extra, k, cloneJson(v));
          break;
        }
        const kept: JsonObject = {};
        let nKept = 0;
        let nModelled = 0;
        for (const [key, item] of Object.entries(v)) {
          if (!isPlainObject(item)) {
            setOwn(kept, key, cloneJson(item));
            nKept++;
          } else if (k === 'Endpoints') {
            setOwn(g.endpoints, key, cloneJson(item));
            nModelled++;
          } else {
            setOwn(g.rules, key, parseRule(item));
            nModelled++;
          }
        }
        if (nKept > 0 || nModelled === 0) setOwn(g.extra, k, kept);
        break;
      }
      default:
        setOwn(g.extra, k, cloneJson(v));
    }
  }
  return g;
}

// ---------------------------------------------------------------------------------------------
// Graph -> document

function branchToDocument(b: Branch): JsonObject {
  const o: JsonObject = {};
  if (b.ref) setOwn(o, b.ref.kind === 'rule' ? 'RuleReference' : 'EndpointReference', b.ref.key);
  for (const [k, v] of Object.entries(b.fields)) {
    if (b.ref && REF_MEMBERS.includes(k)) continue;
    setOwn(o, k, cloneJson(v));
  }
  return o;
}

/** A rule object as the document writes it. */
export function ruleToDocument(r: Rule): JsonObject {
  const o: JsonObject = {};
  if (r.ruleType !== '') setOwn(o, 'RuleType', r.ruleType);
  else if (hasOwn(r.extra, 'RuleType')) setOwn(o, 'RuleType', cloneJson(r.extra.RuleType));
  const handled = new Set(['RuleType']);
  if (r.ruleType === 'failover') {
    for (const slot of ['Primary', 'Secondary'] as const) {
      handled.add(slot);
      const b = r.branches.find((x) => x.slot === slot);
      if (b) setOwn(o, slot, branchToDocument(b));
      else if (hasOwn(r.extra, slot)) setOwn(o, slot, cloneJson(r.extra[slot]));
    }
  } else {
    const listKey = listKeyOf(r.ruleType);
    if (listKey !== undefined) {
      handled.add(listKey);
      if (r.branches.length > 0) setOwn(o, listKey, r.branches.map(branchToDocument));
      else if (hasOwn(r.extra, listKey)) setOwn(o, listKey, cloneJson(r.extra[listKey]));
    }
  }
  for (const [k, v] of Object.entries(r.extra)) if (!handled.has(k)) setOwn(o, k, cloneJson(v));
  return o;
}

/** The document of a graph, members in the order Route 53 writes them. */
export function toDocument(g: PolicyGraph): JsonObject {
  const o: JsonObject = {};
  const fromExtra = (k: string) => {
    if (hasOwn(g.extra, k)) setOwn(o, k, cloneJson(g.extra[k]));
  };
  if (g.formatVersion !== '') o.AWSPolicyFormatVersion = g.formatVersion;
  else fromExtra('AWSPolicyFormatVersion');
  if (g.recordType !== '') o.RecordType = g.recordType;
  else fromExtra('RecordType');
  if (g.start?.kind === 'rule') o.StartRule = g.start.key;
  else fromExtra('StartRule');
  if (g.start?.kind === 'endpoint') o.StartEndpoint = g.start.key;
  else fromExtra('StartEndpoint');

  const section = (k: 'Endpoints' | 'Rules', modelled: JsonObject | null) => {
    const kept = getOwn(g.extra, k);
    if (modelled === null) {
      fromExtra(k);
      return;
    }
    if (isPlainObject(kept)) for (const [key, v] of Object.entries(kept)) if (!hasOwn(modelled, key)) setOwn(modelled, key, cloneJson(v));
    setOwn(o, k, modelled);
  };
  const endpointKeys = Object.keys(g.endpoints);
  if (endpointKeys.length > 0) {
    const e: JsonObject = {};
    for (const k of endpointKeys) setOwn(e, k, cloneJson(g.endpoints[k]));
    section('Endpoints', e);
  } else section('Endpoints', null);
  const ruleKeys = Object.keys(g.rules);
  if (ruleKeys.length > 0) {
    const r: JsonObject = {};
    for (const k of ruleKeys) setOwn(r, k, ruleToDocument(g.rules[k]));
    section('Rules', r);
  } else section('Rules', null);

  for (const [k, v] of Object.entries(g.extra)) if (!TOP_LEVEL.includes(k)) setOwn(o, k, cloneJson(v));
  return o;
}

// ---------------------------------------------------------------------------------------------
// Graph queries

/** Whether the node a reference names exists in the graph. */
export function refExists(g: PolicyGraph, ref: Ref): boolean {
  return ref.kind === 'rule' ? hasOwn(g.rules, ref.key) : hasOwn(g.endpoints, ref.key);
}

export function sameRef(a: Ref | null, b: Ref | null): boolean {
  return a !== null && b !== null && a.kind === b.kind && a.key === b.key;
}

/** The rule named `key`, or undefined. */
export function ruleOf(g: PolicyGraph, key: string): Rule | undefined {
  return getOwn(g.rules, key);
}

/** The endpoint named `key`, or undefined. */
export function endpointOf(g: PolicyGraph, key: string): Endpoint | undefined {
  return getOwn(g.endpoints, key);
}

/** Node ids reachable from the start point, following references to existing nodes. */
export function reachableNodeIds(g: PolicyGraph): Set<string> {
  const seen = new Set<string>();
  const stack: Ref[] = g.start && refExists(g, g.start) ? [g.start] : [];
  while (stack.length) {
    const r = stack.pop()!;
    const id = nodeId(g, r);
    if (seen.has(id)) continue;
    seen.add(id);
    if (r.kind === 'rule') {
      for (const b of g.rules[r.key].branches) if (b.ref && refExists(g, b.ref)) stack.push(b.ref);
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------
// Node and edge ids

function reservedKey(key: string): boolean {
  return key === 'start' || key.startsWith('rule:') || key.startsWith('endpoint:');
}

/** The React Flow node id of a rule or endpoint (see the top of this file). */
export function nodeId(g: PolicyGraph, ref: Ref): string {
  if (ref.kind === 'rule') return reservedKey(ref.key) ? `rule:${ref.key}` : ref.key;
  return reservedKey(ref.key) || hasOwn(g.rules, ref.key) ? `endpoint:${ref.key}` : ref.key;
}

/** The node a React Flow node id names: `'start'`, a reference to an existing node, or null. */
export function refOfNodeId(g: PolicyGraph, id: string): Ref | 'start' | null {
  if (id === 'start') return 'start';
  const candidates: Ref[] = [];
  if (id.startsWith('rule:')) candidates.push({ kind: 'rule', key: id.slice(5) });
  if (id.startsWith('endpoint:')) candidates.push({ kind: 'endpoint', key: id.slice(9) });
  candidates.push({ kind: 'rule', key: id }, { kind: 'endpoint', key: id });
  return candidates.find((r) => refExists(g, r) && nodeId(g, r) === id) ?? null;
}

/** Where an edge hangs: the start point or a rule's branch. */
export type Parent = 'start' | { rule: string; branch: number };

/** The id of the edge leaving `parent` (`start#0`, `<rule node id>#<branch>`). */
export function edgeId(g: PolicyGraph, parent: Parent): string {
  return parent === 'start' ? 'start#0' : `${nodeId(g, { kind: 'rule', key: parent.rule })}#${parent.branch}`;
}

/** The parent an edge id names, or null when it names no existing branch or start edge. */
export function parentOfEdgeId(g: PolicyGraph, id: string): Parent | null {
  const at = id.lastIndexOf('#');
  if (at < 0) return null;
  const node = id.slice(0, at);
  const idx = id.slice(at + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(idx)) return null;
  const branch = Number(idx);
  const r = refOfNodeId(g, node);
  if (r === 'start') return branch === 0 ? 'start' : null;
  if (r === null || r.kind !== 'rule') return null;
  return branch < g.rules[r.key].branches.length ? { rule: r.key, branch } : null;
}

// ---------------------------------------------------------------------------------------------
// Labels

function asText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

/** The label of a rule's branch as the canvas shows it on the edge. */
export function branchLabel(ruleType: string, b: Branch, index: number): string {
  const f = b.fields;
  const get = (k: string) => getOwn(f, k);
  switch (ruleType) {
    case 'failover':
      return b.slot === 'item' ? '' : b.slot;
    case 'geo': {
      const country = asText(get('Country'));
      if (isTrue(get('IsDefault')) || country === '*') return 'Default';
      const sub = asText(get('Subdivision'));
      if (country && sub) return `${country}-${sub}`;
      if (country) return country;
      const continent = asText(get('Continent'));
      if (continent) return `Continent ${continent}`;
      if (sub) return `Subdivision ${sub}`;
      return '(no location)';
    }
    case 'latency':
      return asText(get('Region')) || '(no region)';
    case 'weighted':
      return get('Weight') === undefined ? '(no weight)' : `weight ${asText(get('Weight'))}`;
    case 'geoproximity': {
      // Short enough to sit on an edge: the region or Local Zone without its `aws:route53:`
      // prefix, or the coordinates.
      const short = (v: unknown) => asText(v).replace(/^aws:route53:/, '');
      let where = '';
      const loc = get('Location');
      if (isPlainObject(loc)) {
        const type = asText(getOwn(loc, 'Type'));
        if (type === 'Coordinate') where = `${asText(getOwn(loc, 'Latitude'))}, ${asText(getOwn(loc, 'Longitude'))}`;
        else where = short(getOwn(loc, 'LocationName')) || `(${type || 'no location'})`;
      } else if (get('Region') !== undefined) where = short(get('Region'));
      else if (get('Latitude') !== undefined || get('Longitude') !== undefined) {
        where = `${asText(get('Latitude'))}, ${asText(get('Longitude'))}`;
      } else where = '(no location)';
      const bias = get('Bias');
      return bias === undefined || asText(bias) === '0' ? where : `${where} bias ${asText(bias)}`;
    }
    case 'multivalue':
      return `item ${index + 1}`;
    default:
      return '';
  }
}

// ---------------------------------------------------------------------------------------------
// React Flow data

/** A branch as a node shows it (connected or not). */
export interface FlowBranch {
  index: number;
  slot: Branch['slot'];
  label: string;
  /** The child's reference as written (may name a missing key), or null when unconnected. */
  ref: Ref | null;
  /** The child's node id, or null when unconnected or when `ref` names a missing node. */
  target: string | null;
  /** `ref` names a rule or endpoint that does not exist. */
  missing: boolean;
}

export interface FlowNode {
  id: string;
  kind: 'start' | 'rule' | 'endpoint';
  /** The rule or endpoint key ('' for the start point). */
  key: string;
  /** The key; `Start` for the start point. */
  label: string;
  ruleType?: string;
  /** The endpoint's `Type`. */
  endpointType?: string;
  /** The endpoint's `Value` (as text); the record type for the start point. */
  value?: string;
  /** Rules: every branch in order; start: its one connection. */
  branches?: FlowBranch[];
  /** Rules: whether another branch can be added (false for a failover rule with both slots). */
  canAddBranch?: boolean;
  /** Not reachable from the start point. */
  unused?: boolean;
}

export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  branch: number;
  label: string;
}

function flowBranch(g: PolicyGraph, index: number, slot: Branch['slot'], label: string, ref: Ref | null): FlowBranch {
  const exists = ref !== null && refExists(g, ref);
  return { index, slot, label, ref, target: exists ? nodeId(g, ref!) : null, missing: ref !== null && !exists };
}

/**
 * Plain node and edge data for the canvas: the start point, every rule, then every endpoint in
 * document order; one edge per connected branch whose child exists. A shared child is one node
 * with several incoming edges.
 */
export function toFlow(g: PolicyGraph): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const reachable = reachableNodeIds(g);
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  const startBranch = flowBranch(g, 0, 'item', '', g.start);
  nodes.push({ id: 'start', kind: 'start', key: '', label: 'Start', value: g.recordType, branches: [startBranch] });
  if (startBranch.target !== null) edges.push({ id: 'start#0', source: 'start', target: startBranch.target, branch: 0, label: '' });
  for (const key of Object.keys(g.rules)) {
    const r = g.rules[key];
    const id = nodeId(g, { kind: 'rule', key });
    const branches = r.branches.map((b, i) => flowBranch(g, i, b.slot, branchLabel(r.ruleType, b, i), b.ref));
    for (const b of branches) {
      if (b.target !== null) edges.push({ id: `${id}#${b.index}`, source: id, target: b.target, branch: b.index, label: b.label });
    }
    const canAddBranch = r.ruleType === 'failover' ? r.branches.length < 2 : listKeyOf(r.ruleType) !== undefined;
    nodes.push({ id, kind: 'rule', key, label: key, ruleType: r.ruleType, branches, canAddBranch, unused: !reachable.has(id) });
  }
  for (const key of Object.keys(g.endpoints)) {
    const e = g.endpoints[key];
    const id = nodeId(g, { kind: 'endpoint', key });
    const n: FlowNode = { id, kind: 'endpoint', key, label: key, unused: !reachable.has(id) };
    const type = getOwn(e, 'Type');
    if (type !== undefined) n.endpointType = asText(type);
    const value = getOwn(e, 'Value');
    if (value !== undefined) n.value = asText(value);
    nodes.push(n);
  }
  return { nodes, edges };
}
