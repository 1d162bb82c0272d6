import { describe, expect, it } from 'vitest';
import { emptyGraph, fromDocument, toDocument, toFlow } from './convert';
import {
  addBranch,
  addEndpoint,
  addRule,
  canConnect,
  connect,
  defaultBranchFields,
  deleteNode,
  disconnect,
  disconnectEdge,
  EditError,
  freshKey,
  referencesTo,
  removeBranch,
  renameNode,
  setEndpoint,
  setFormatVersion,
  setRecordType,
  tryEdit,
  unusedNodes,
  updateBranchFields,
} from './edit';
import { deepFreeze, specDocument } from './fixtures';
import type { PolicyGraph, Ref, RuleType } from './types';
import { RULE_TYPES } from './types';

const rule = (key: string): Ref => ({ kind: 'rule', key });
const endpoint = (key: string): Ref => ({ kind: 'endpoint', key });
/** A frozen graph of a spec example: any edit that changed its input would throw. */
const frozen = (name: string): PolicyGraph => deepFreeze(fromDocument(specDocument(name)));

/** Two failover rules under a weighted rule, sharing their Secondary endpoint; plus an unused endpoint. */
function sharedDoc() {
  return {
    AWSPolicyFormatVersion: '2015-10-01',
    RecordType: 'A',
    StartRule: 'by_weight',
    Endpoints: {
      a: { Type: 'value', Value: '192.0.2.1' },
      b: { Type: 'value', Value: '192.0.2.2' },
      backup: { Type: 'value', Value: '192.0.2.9' },
      spare: { Type: 'value', Value: '192.0.2.99' },
    },
    Rules: {
      by_weight: { RuleType: 'weighted', Items: [{ RuleReference: 'fa', Weight: '1' }, { RuleReference: 'fb', Weight: '1' }] },
      fa: { RuleType: 'failover', Primary: { EndpointReference: 'a' }, Secondary: { EndpointReference: 'backup', HealthCheck: 'hc' } },
      fb: { RuleType: 'failover', Primary: { EndpointReference: 'b' }, Secondary: { EndpointReference: 'backup' } },
    },
  };
}

describe('building the specification examples by editing', () => {
  it('failover', () => {
    let g = deepFreeze(emptyGraph('A'));
    const r = addRule(g, 'failover');
    g = connect(r.graph, 'start', rule(r.key));
    const elb = addEndpoint(g, 'elastic-load-balancer', 'elb-111111.us-east-1.elb.amazonaws.com');
    g = connect(elb.graph, { rule: r.key, branch: 0 }, endpoint(elb.key));
    const s3 = addEndpoint(g, 's3-website', 'www.example.com', { Region: 'us-east-1' });
    g = connect(s3.graph, { rule: r.key, branch: 1 }, endpoint(s3.key));
    g = renameNode(g, rule(r.key), 'site_switch');
    g = renameNode(g, endpoint(elb.key), 'my_elb');
    g = renameNode(g, endpoint(s3.key), 'site_down_banner');
    expect(toDocument(g)).toStrictEqual(specDocument('failover.json'));
  });

  it('geo -> latency -> failover', () => {
    let g = emptyGraph('A');
    const add = (type: RuleType, name: string) => {
      const r = addRule(g, type);
      g = renameNode(r.graph, rule(r.key), name);
    };
    const lb = (name: string, value: string, more: Record<string, unknown> = {}) => {
      const e = addEndpoint(g, more.Region ? 's3-website' : 'elastic-load-balancer', value, more);
      g = renameNode(e.graph, endpoint(e.key), name);
    };
    lb('east_coast_lb1', 'elb-111111.us-east-1.elb.amazonaws.com');
    lb('east_coast_lb2', 'elb-222222.us-east-1.elb.amazonaws.com');
    lb('west_coast_lb1', 'elb-111111.us-west-1.elb.amazonaws.com');
    lb('west_coast_lb2', 'elb-222222.us-west-1.elb.amazonaws.com');
    lb('denied_message', 'video.example.com', { Region: 'us-east-1' });
    add('geo', 'geo_restriction');
    add('latency', 'region_selector');
    add('failover', 'east_coast_region');
    add('failover', 'west_coast_region');
    g = connect(g, 'start', rule('geo_restriction'));
    g = connect(g, { rule: 'geo_restriction', branch: 0 }, endpoint('denied_message'));
    g = updateBranchFields(g, 'geo_restriction', 0, { IsDefault: true });
    g = connect(g, { rule: 'geo_restriction', branch: 1 }, rule('region_selector'));
    g = updateBranchFields(g, 'geo_restriction', 1, { Country: 'US' });
    g = connect(g, { rule: 'region_selector', branch: 0 }, rule('east_coast_region'));
    g = updateBranchFields(g, 'region_selector', 0, { Region: 'us-east-1' });
    g = connect(g, { rule: 'region_selector', branch: 1 }, rule('west_coast_region'));
    g = updateBranchFields(g, 'region_selector', 1, { Region: 'us-west-1' });
    for (const side of ['east', 'west']) {
      g = connect(g, { rule: `${side}_coast_region`, branch: 0 }, endpoint(`${side}_coast_lb1`));
      g = connect(g, { rule: `${side}_coast_region`, branch: 1 }, endpoint(`${side}_coast_lb2`));
    }
    expect(toDocument(g)).toStrictEqual(specDocument('geo-latency-failover.json'));
    expect(unusedNodes(g)).toEqual([]);
  });
});

describe('addRule / addEndpoint', () => {
  it('give fresh keys, unique across rules and endpoints', () => {
    let g = frozen('failover.json');
    const a = addRule(g, 'geo');
    expect(a.key).toBe('geo_1');
    const b = addRule(a.graph, 'geo');
    expect(b.key).toBe('geo_2');
    g = b.graph;
    const e = addEndpoint(g, 'value', '192.0.2.7');
    expect(e.key).toBe('endpoint_1');
    expect(e.graph.endpoints.endpoint_1).toEqual({ Type: 'value', Value: '192.0.2.7' });
    // An endpoint named like the next rule key pushes the rule key on.
    const taken = fromDocument({ Endpoints: { weighted_1: { Type: 'value', Value: '1' } }, Rules: { weighted_2: { RuleType: 'weighted' } } });
    expect(addRule(taken, 'weighted').key).toBe('weighted_3');
    expect(freshKey(fromDocument({ Rules: { endpoint_1: 5 } }), 'endpoint')).toBe('endpoint_2');
    expect(Object.keys(b.graph.rules)).toEqual(['site_switch', 'geo_1', 'geo_2']);
    expect(b.graph.rules.geo_1).toEqual({ ruleType: 'geo', branches: [], extra: {} });
    // The rule has no branches yet, so its document has no list.
    expect((toDocument(a.graph).Rules as Record<string, unknown>).geo_1).toEqual({ RuleType: 'geo' });
  });
});

describe('connect', () => {
  it('appends a branch with the rule type default fields', () => {
    const expected: Record<string, unknown> = {
      geo: { Country: '' },
      latency: { Region: '' },
      weighted: { Weight: '1' },
      geoproximity: { Region: '' },
      multivalue: {},
      failover: {},
    };
    for (const type of RULE_TYPES) {
      const r = addRule(frozen('minimal.json'), type);
      const g = connect(r.graph, { rule: r.key, branch: 0 }, endpoint('endpoint-start-NkPh'));
      expect(g.rules[r.key].branches).toEqual([
        { slot: type === 'failover' ? 'Primary' : 'item', fields: expected[type], ref: endpoint('endpoint-start-NkPh') },
      ]);
    }
  });

  it('follows the format version and the other branches for defaults', () => {
    const prox = frozen('geoproximity.json');
    expect(defaultBranchFields(prox, 'nearest_site')).toEqual({ Location: { Type: 'Region', LocationName: '' } });
    const r = addRule(setFormatVersion(prox, '2023-05-09'), 'geoproximity');
    expect(defaultBranchFields(r.graph, r.key)).toEqual({ Location: { Type: 'Region', LocationName: '' } });
    const numeric = fromDocument({ Rules: { w: { RuleType: 'weighted', Items: [{ EndpointReference: 'e', Weight: 3 }] } } });
    expect(defaultBranchFields(numeric, 'w')).toEqual({ Weight: 1 });
  });

  it('fills Primary, then Secondary, and refuses a third failover branch', () => {
    let g: PolicyGraph = deepFreeze(fromDocument({ Endpoints: { a: { Type: 'value', Value: '1' }, b: { Type: 'value', Value: '2' } } }));
    const r = addRule(g, 'failover');
    g = connect(r.graph, { rule: r.key, branch: 0 }, endpoint('a'));
    g = connect(g, { rule: r.key, branch: 1 }, endpoint('b'));
    expect(g.rules[r.key].branches.map((b) => [b.slot, b.ref?.key])).toEqual([
      ['Primary', 'a'],
      ['Secondary', 'b'],
    ]);
    expect(canConnect(g, { rule: r.key, branch: 2 }, endpoint('a'))).toMatch(/already has its Primary and Secondary/);
    expect(() => connect(g, { rule: r.key, branch: 2 }, endpoint('a'))).toThrow(EditError);
    expect(() => addBranch(g, r.key, {})).toThrow(/already has its Primary and Secondary/);
  });

  it('adds the missing Primary before an existing Secondary', () => {
    const g = deepFreeze(fromDocument({ Endpoints: { a: {} }, Rules: { f: { RuleType: 'failover', Secondary: { EndpointReference: 'a' } } } }));
    const next = connect(g, { rule: 'f', branch: 1 }, endpoint('a'));
    expect(next.rules.f.branches.map((b) => b.slot)).toEqual(['Primary', 'Secondary']);
  });

  it('replaces the child of an existing branch and keeps its fields', () => {
    const g = frozen('geolocation.json');
    const next = connect(g, { rule: 'language_by_country', branch: 2 }, endpoint('german'));
    expect(next.rules.language_by_country.branches[2]).toEqual({
      slot: 'item',
      fields: { Country: 'BE', HealthCheck: '11111111-aaaa-4aaa-8aaa-000000000002' },
      ref: endpoint('german'),
    });
    expect(next.rules.language_by_country.branches).toHaveLength(4);
    expect(g.rules.language_by_country.branches[2].ref).toEqual(endpoint('french'));
  });

  it('clears a branch kept with both references when it is connected', () => {
    const g = fromDocument({ Endpoints: { e: {} }, Rules: { w: { RuleType: 'weighted', Items: [{ EndpointReference: 'e', RuleReference: 'x', Weight: '2' }] } } });
    const next = connect(g, { rule: 'w', branch: 0 }, endpoint('e'));
    expect(toDocument(next).Rules).toEqual({ w: { RuleType: 'weighted', Items: [{ EndpointReference: 'e', Weight: '2' }] } });
  });

  it('refuses loops, rules under multivalue rules, and what does not exist', () => {
    const g = frozen('geo-latency-failover.json');
    expect(canConnect(g, { rule: 'east_coast_region', branch: 0 }, rule('east_coast_region'))).toMatch(/cannot point to itself/);
    expect(canConnect(g, { rule: 'east_coast_region', branch: 0 }, rule('geo_restriction'))).toMatch(/would make a loop/);
    expect(canConnect(g, { rule: 'region_selector', branch: 2 }, rule('geo_restriction'))).toMatch(/would make a loop/);
    expect(() => connect(g, { rule: 'east_coast_region', branch: 1 }, rule('region_selector'))).toThrow(EditError);
    // Sideways and downwards are fine: a DAG, not a tree.
    expect(canConnect(g, { rule: 'geo_restriction', branch: 2 }, rule('east_coast_region'))).toBe(true);
    expect(canConnect(g, { rule: 'east_coast_region', branch: 0 }, endpoint('west_coast_lb1'))).toBe(true);
    const m = addRule(g, 'multivalue');
    expect(canConnect(m.graph, { rule: m.key, branch: 0 }, rule('east_coast_region'))).toMatch(/multivalue/);
    expect(canConnect(m.graph, { rule: m.key, branch: 0 }, endpoint('east_coast_lb1'))).toBe(true);
    expect(canConnect(g, 'start', rule('nope'))).toMatch(/no rule "nope"/);
    expect(canConnect(g, { rule: 'nope', branch: 0 }, endpoint('east_coast_lb1'))).toMatch(/no rule "nope"/);
    expect(canConnect(g, { rule: 'region_selector', branch: 3 }, endpoint('east_coast_lb1'))).toMatch(/no branch 3/);
    expect(canConnect(fromDocument({ Endpoints: { e: {} }, Rules: { u: { RuleType: 'odd' } } }), { rule: 'u', branch: 0 }, endpoint('e'))).toMatch(
      /no known RuleType/,
    );
    expect(canConnect(g, 'start', endpoint('east_coast_lb1'))).toBe(true);
  });

  it('moves the start point', () => {
    const g = connect(frozen('failover.json'), 'start', endpoint('my_elb'));
    expect(g.start).toEqual(endpoint('my_elb'));
    expect(toDocument(g).StartEndpoint).toBe('my_elb');
    expect(toDocument(g).StartRule).toBeUndefined();
    expect(unusedNodes(g)).toEqual([rule('site_switch'), endpoint('site_down_banner')]);
  });
});

describe('branches', () => {
  it('addBranch appends an unconnected branch; updateBranchFields keeps the given order', () => {
    const g = frozen('weighted.json');
    const a = addBranch(g, 'spread_load', { Weight: '0', HealthCheck: 'hc-x' });
    expect(a.rules.spread_load.branches[3]).toEqual({ slot: 'item', fields: { Weight: '0', HealthCheck: 'hc-x' }, ref: null });
    expect(toFlow(a).edges).toHaveLength(4);
    const u = updateBranchFields(a, 'spread_load', 0, { HealthCheck: 'hc-new', Weight: '9', EvaluateTargetHealth: false });
    expect(Object.keys(u.rules.spread_load.branches[0].fields)).toEqual(['HealthCheck', 'Weight', 'EvaluateTargetHealth']);
    expect(u.rules.spread_load.branches[0].ref).toEqual(endpoint('srv1'));
    expect((toDocument(u).Rules as any).spread_load.Items[0]).toEqual({ EndpointReference: 'srv1', HealthCheck: 'hc-new', Weight: '9', EvaluateTargetHealth: false });
    expect(() => updateBranchFields(g, 'spread_load', 0, { EndpointReference: 'srv2' })).toThrow(/connect the branch/);
    expect(() => updateBranchFields(g, 'spread_load', 3, {})).toThrow(/no branch 3/);
    expect(() => addBranch(g, 'nope', {})).toThrow(/no rule/);
  });

  it('adding a branch drops an unmodellable list kept from the document', () => {
    const g = fromDocument({ Rules: { r: { RuleType: 'geo', Locations: [1] } } });
    const next = addBranch(g, 'r', { Country: 'FR' });
    expect(toDocument(next)).toStrictEqual({ Rules: { r: { RuleType: 'geo', Locations: [{ Country: 'FR' }] } } });
    expect(toDocument(removeBranch(next, 'r', 0))).toStrictEqual({ Rules: { r: { RuleType: 'geo' } } });
  });

  it('removeBranch removes a list item or a failover slot', () => {
    const g = frozen('geolocation.json');
    const r = removeBranch(g, 'language_by_country', 1);
    expect(r.rules.language_by_country.branches.map((b) => b.fields.Country)).toEqual(['*', 'BE', 'DE']);
    const f = removeBranch(frozen('failover.json'), 'site_switch', 0);
    expect(toDocument(f).Rules).toEqual({ site_switch: { RuleType: 'failover', Secondary: { EndpointReference: 'site_down_banner' } } });
    expect(() => removeBranch(g, 'language_by_country', 4)).toThrow(EditError);
  });

  it('disconnect removes an edge: list branch removed, failover slot and start left unconnected', () => {
    const g = deepFreeze(fromDocument(sharedDoc()));
    const w = disconnect(g, { rule: 'by_weight', branch: 0 });
    expect(w.rules.by_weight.branches.map((b) => b.ref?.key)).toEqual(['fb']);
    const f = disconnect(g, { rule: 'fa', branch: 1 });
    expect(f.rules.fa.branches[1]).toEqual({ slot: 'Secondary', fields: { HealthCheck: 'hc' }, ref: null });
    expect((toDocument(f).Rules as any).fa.Secondary).toEqual({ HealthCheck: 'hc' });
    expect(disconnect(g, 'start').start).toBeNull();
    expect(toDocument(disconnect(g, 'start')).StartRule).toBeUndefined();
    expect(disconnectEdge(g, 'fa#1')).toEqual(f);
    expect(disconnectEdge(g, 'start#0').start).toBeNull();
    expect(() => disconnectEdge(g, 'fa#7')).toThrow(/no connection/);
  });
});

describe('endpoints and the record type', () => {
  it('setEndpoint replaces the members and keeps the place', () => {
    const g = frozen('failover.json');
    const next = setEndpoint(g, 'my_elb', { Type: 'value', Value: '192.0.2.1' });
    expect(next.endpoints.my_elb).toEqual({ Type: 'value', Value: '192.0.2.1' });
    expect(Object.keys(next.endpoints)).toEqual(['my_elb', 'site_down_banner']);
    expect(() => setEndpoint(g, 'nope', {})).toThrow(/no endpoint "nope"/);
  });

  it('setRecordType sets the type and forgets a kept invalid one', () => {
    expect(toDocument(setRecordType(frozen('minimal.json'), 'AAAA')).RecordType).toBe('AAAA');
    const kept = fromDocument({ RecordType: 7 });
    expect(toDocument(setRecordType(kept, 'TXT'))).toEqual({ RecordType: 'TXT' });
    expect(toDocument(setRecordType(kept, ''))).toEqual({});
  });
});

describe('renameNode', () => {
  it('updates every reference and keeps the place', () => {
    const g = frozen('geo-latency-failover.json');
    const r = renameNode(g, rule('region_selector'), 'nearest');
    expect(Object.keys(r.rules)).toEqual(['geo_restriction', 'nearest', 'east_coast_region', 'west_coast_region']);
    expect(r.rules.geo_restriction.branches[1].ref).toEqual(rule('nearest'));
    const s = renameNode(g, rule('geo_restriction'), 'entry');
    expect(s.start).toEqual(rule('entry'));
    const e = renameNode(g, endpoint('east_coast_lb2'), 'standby');
    expect(e.rules.east_coast_region.branches[1].ref).toEqual(endpoint('standby'));
    expect(toFlow(e).edges).toHaveLength(toFlow(g).edges.length);
  });

  it('renames only references of the node kind', () => {
    const g = fromDocument({
      StartRule: 'x',
      Endpoints: { x: { Type: 'value', Value: '1' } },
      Rules: { x: { RuleType: 'multivalue', Items: [{ EndpointReference: 'x' }] } },
    });
    const next = renameNode(g, endpoint('x'), 'y');
    expect(next.start).toEqual(rule('x'));
    expect(next.rules.x.branches[0].ref).toEqual(endpoint('y'));
  });

  it('refuses an empty key, a key in use, and a missing node', () => {
    const g = frozen('failover.json');
    expect(() => renameNode(g, rule('site_switch'), '')).toThrow(/cannot be empty/);
    expect(() => renameNode(g, rule('site_switch'), 'my_elb')).toThrow(/already used/);
    expect(() => renameNode(g, endpoint('site_switch'), 'z')).toThrow(/no endpoint/);
    expect(renameNode(g, rule('site_switch'), 'site_switch')).toBe(g);
    expect(tryEdit(() => renameNode(g, rule('site_switch'), 'my_elb'))).toEqual({ ok: false, error: expect.stringMatching(/already used/) });
  });
});

describe('deleteNode', () => {
  it('takes a rule subtree with it', () => {
    const g = frozen('geo-latency-failover.json');
    const next = deleteNode(g, rule('region_selector'));
    expect(Object.keys(next.rules)).toEqual(['geo_restriction']);
    expect(Object.keys(next.endpoints)).toEqual(['denied_message']);
    expect(next.rules.geo_restriction.branches.map((b) => b.ref)).toEqual([endpoint('denied_message')]);
    expect(unusedNodes(next)).toEqual([]);
  });

  it('keeps a child another rule still uses', () => {
    const g = deepFreeze(fromDocument(sharedDoc()));
    const next = deleteNode(g, rule('fa'));
    expect(Object.keys(next.rules)).toEqual(['by_weight', 'fb']);
    expect(Object.keys(next.endpoints)).toEqual(['b', 'backup', 'spare']);
    expect(referencesTo(next, endpoint('backup'))).toEqual([{ rule: 'fb', branch: 1 }]);
    expect(next.rules.by_weight.branches.map((b) => b.ref)).toEqual([rule('fb')]);
  });

  it('keeps a child rule shared by a geo rule and a weighted rule', () => {
    const g = fromDocument({
      StartRule: 'where',
      Endpoints: { v1: {}, v2: {}, other: {} },
      Rules: {
        where: { RuleType: 'geo', Locations: [{ RuleReference: 'pool', Country: 'DE' }, { RuleReference: 'mix', IsDefault: true }] },
        mix: { RuleType: 'weighted', Items: [{ RuleReference: 'pool', Weight: '2' }, { EndpointReference: 'other', Weight: '1' }] },
        pool: { RuleType: 'multivalue', Items: [{ EndpointReference: 'v1' }, { EndpointReference: 'v2' }] },
      },
    });
    const noMix = deleteNode(g, rule('mix'));
    expect(Object.keys(noMix.rules)).toEqual(['where', 'pool']);
    expect(Object.keys(noMix.endpoints)).toEqual(['v1', 'v2']);
    // Deleting the start rule takes everything only it led to.
    const none = deleteNode(g, rule('where'));
    expect(none.rules).toEqual({});
    expect(none.endpoints).toEqual({});
    expect(none.start).toBeNull();
  });

  it('takes a child only once no deleted parent uses it', () => {
    const g = deepFreeze(fromDocument(sharedDoc()));
    const next = deleteNode(g, rule('by_weight'));
    expect(next.rules).toEqual({});
    expect(Object.keys(next.endpoints)).toEqual(['spare']);
    expect(next.start).toBeNull();
  });

  it('leaves failover slots unconnected and does not touch unrelated unused nodes', () => {
    const g = deepFreeze(fromDocument(sharedDoc()));
    const next = deleteNode(g, endpoint('backup'));
    expect(next.rules.fa.branches[1]).toEqual({ slot: 'Secondary', fields: { HealthCheck: 'hc' }, ref: null });
    expect(next.rules.fb.branches[1].ref).toBeNull();
    expect(Object.keys(next.endpoints)).toEqual(['a', 'b', 'spare']);
    expect(unusedNodes(next)).toEqual([endpoint('spare')]);
  });

  it('removes references of a key that does not exist, and refuses one nothing names', () => {
    const g = fromDocument({ Rules: { w: { RuleType: 'weighted', Items: [{ EndpointReference: 'ghost' }, { EndpointReference: 'e' }] } }, Endpoints: { e: {} } });
    expect(deleteNode(g, endpoint('ghost')).rules.w.branches.map((b) => b.ref?.key)).toEqual(['e']);
    expect(() => deleteNode(g, endpoint('nothing'))).toThrow(EditError);
  });

  it('takes a loop below the deleted rule, in a malformed document', () => {
    const g = fromDocument({
      StartRule: 'a',
      Rules: {
        a: { RuleType: 'weighted', Items: [{ RuleReference: 'b' }] },
        b: { RuleType: 'weighted', Items: [{ RuleReference: 'a' }, { RuleReference: 'b' }, { RuleReference: 'c' }] },
        c: { RuleType: 'weighted', Items: [{ RuleReference: 'b' }] },
        d: { RuleType: 'weighted', Items: [{ RuleReference: 'c' }] },
      },
    });
    // d (unused, but not below a) still references c, which leads to b.
    expect(Object.keys(deleteNode(g, rule('a')).rules)).toEqual(['b', 'c', 'd']);
    const noD = deleteNode(g, rule('d'));
    expect(Object.keys(noD.rules)).toEqual(['a', 'b', 'c']);
    const next = deleteNode(noD, rule('a'));
    expect(next.rules).toEqual({});
    expect(next.start).toBeNull();
  });
});

describe('unusedNodes', () => {
  it('lists rules and endpoints the start point does not lead to', () => {
    expect(unusedNodes(frozen('geo-latency-failover.json'))).toEqual([]);
    expect(unusedNodes(fromDocument(sharedDoc()))).toEqual([endpoint('spare')]);
    const g = disconnect(frozen('geo-latency-failover.json'), { rule: 'region_selector', branch: 0 });
    expect(unusedNodes(g)).toEqual([rule('east_coast_region'), endpoint('east_coast_lb1'), endpoint('east_coast_lb2')]);
    expect(unusedNodes(disconnect(g, 'start'))).toHaveLength(9);
  });
});

describe('tryEdit', () => {
  it('returns the value, or the refusal, and lets other errors through', () => {
    const g = frozen('failover.json');
    expect(tryEdit(() => setRecordType(g, 'AAAA'))).toMatchObject({ ok: true, value: { recordType: 'AAAA' } });
    expect(tryEdit(() => removeBranch(g, 'x', 0))).toEqual({ ok: false, error: 'There is no rule "x".' });
    expect(() =>
      tryEdit(() => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
  });
});
