import { describe, expect, it } from 'vitest';
import {
  branchLabel,
  edgeId,
  fromDocument,
  jsonErrorOffset,
  nodeId,
  parentOfEdgeId,
  parseDocumentText,
  refOfNodeId,
  toDocument,
  toFlow,
  toText,
} from './convert';
import { allDocuments, apiPolicyDocuments, canonical, exampleDocuments, specDocument, specDocuments } from './fixtures';
import type { PolicyGraph, Ref } from './types';

type Json = Record<string, any>;

const CANONICAL = ['AWSPolicyFormatVersion', 'RecordType', 'StartRule', 'StartEndpoint', 'Endpoints', 'Rules'];

/** Every (parent, branch) -> child reference written in a document, read straight from the JSON. */
function documentReferences(doc: Json): { parent: string; child: Ref }[] {
  const out: { parent: string; child: Ref }[] = [];
  if (typeof doc.StartRule === 'string') out.push({ parent: 'start', child: { kind: 'rule', key: doc.StartRule } });
  if (typeof doc.StartEndpoint === 'string') out.push({ parent: 'start', child: { kind: 'endpoint', key: doc.StartEndpoint } });
  for (const [key, rule] of Object.entries<Json>(doc.Rules ?? {})) {
    const items: Json[] = [];
    for (const k of ['Primary', 'Secondary']) if (rule[k]) items.push(rule[k]);
    for (const k of ['Locations', 'Regions', 'Items', 'GeoproximityLocations']) if (Array.isArray(rule[k])) items.push(...rule[k]);
    for (const it of items) {
      if (typeof it.EndpointReference === 'string') out.push({ parent: key, child: { kind: 'endpoint', key: it.EndpointReference } });
      if (typeof it.RuleReference === 'string') out.push({ parent: key, child: { kind: 'rule', key: it.RuleReference } });
    }
  }
  return out;
}

describe('test documents', () => {
  it('include every example of the repository, the API tests and the specification', () => {
    expect(exampleDocuments.length).toBeGreaterThanOrEqual(7);
    expect(apiPolicyDocuments.length).toBeGreaterThanOrEqual(9);
    expect(specDocuments.map(([n]) => n).sort()).toEqual(
      ['failover', 'geo-latency-failover', 'geolocation', 'geoproximity', 'latency', 'minimal', 'weighted'].map((n) => `spec:${n}.json`),
    );
  });
});

describe.each(allDocuments)('%s', (_name, text) => {
  const parsed = parseDocumentText(text);
  const doc = (parsed.ok ? parsed.doc : null) as Json;

  it('parses', () => {
    expect(parsed).toEqual({ ok: true, doc: JSON.parse(text) });
  });

  it('round-trips through the graph unchanged', () => {
    const g = fromDocument(doc);
    expect(toDocument(g)).toStrictEqual(doc);
    // And again, from the document the graph wrote.
    expect(toDocument(fromDocument(toDocument(g)))).toStrictEqual(doc);
    expect(JSON.parse(toText(toDocument(g)))).toStrictEqual(doc);
  });

  it('writes the top-level members in Route 53 order', () => {
    const keys = Object.keys(toDocument(fromDocument(doc)));
    const known = keys.filter((k) => CANONICAL.includes(k));
    expect(known).toEqual(CANONICAL.filter((k) => known.includes(k)));
    expect(keys.slice(0, known.length)).toEqual(known);
  });

  it('keeps every branch field, in order, apart from the reference', () => {
    const g = fromDocument(doc);
    for (const [key, rule] of Object.entries<Json>(doc.Rules ?? {})) {
      const items: Json[] =
        rule.RuleType === 'failover' ? [rule.Primary, rule.Secondary].filter(Boolean) : rule.Locations ?? rule.Regions ?? rule.Items ?? rule.GeoproximityLocations;
      expect(g.rules[key].branches.map((b) => Object.keys(b.fields))).toEqual(
        items.map((it) => Object.keys(it).filter((k) => k !== 'EndpointReference' && k !== 'RuleReference')),
      );
    }
  });

  it('gives every reference one edge to the one node of its child', () => {
    const g = fromDocument(doc);
    const flow = toFlow(g);
    const ids = flow.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(flow.nodes.filter((n) => n.kind === 'rule').map((n) => n.key)).toEqual(Object.keys(doc.Rules ?? {}));
    expect(flow.nodes.filter((n) => n.kind === 'endpoint').map((n) => n.key)).toEqual(Object.keys(doc.Endpoints ?? {}));
    const expected = documentReferences(doc).map(({ parent, child }) => [
      parent === 'start' ? 'start' : nodeId(g, { kind: 'rule', key: parent }),
      nodeId(g, child),
    ]);
    expect(flow.edges.map((e) => [e.source, e.target])).toEqual(expected);
    const edgeIds = flow.edges.map((e) => e.id);
    expect(new Set(edgeIds).size).toBe(edgeIds.length);
    for (const e of flow.edges) expect(ids).toContain(e.target);
  });
});

describe('edge labels', () => {
  const labels = (name: string) => toFlow(fromDocument(specDocument(name))).edges.map((e) => `${e.source}>${e.target}:${e.label}`);

  it('name failover slots, geo locations, latency regions, weights and geoproximity locations', () => {
    expect(labels('failover.json')).toEqual(['start>site_switch:', 'site_switch>my_elb:Primary', 'site_switch>site_down_banner:Secondary']);
    expect(labels('geo-latency-failover.json')).toEqual([
      'start>geo_restriction:',
      'geo_restriction>denied_message:Default',
      'geo_restriction>region_selector:US',
      'region_selector>east_coast_region:us-east-1',
      'region_selector>west_coast_region:us-west-1',
      'east_coast_region>east_coast_lb1:Primary',
      'east_coast_region>east_coast_lb2:Secondary',
      'west_coast_region>west_coast_lb1:Primary',
      'west_coast_region>west_coast_lb2:Secondary',
    ]);
    expect(labels('geolocation.json').slice(1)).toEqual([
      'language_by_country>english:Default',
      'language_by_country>french:FR',
      'language_by_country>french:BE',
      'language_by_country>german:DE',
    ]);
    expect(labels('weighted.json').slice(1)).toEqual(['spread_load>srv1:weight 3', 'spread_load>srv2:weight 1', 'spread_load>srv3:weight 1']);
    expect(labels('latency.json').slice(1)).toEqual(['closest_region>us_lb:us-east-1', 'closest_region>europe_lb:eu-west-1']);
    expect(labels('geoproximity.json').slice(1)).toEqual([
      'nearest_site>california:us-west-1 bias -10',
      'nearest_site>atlanta:us-east-1-atl-1a bias 10',
      'nearest_site>london:51.50, -0.16',
    ]);
  });

  it('cover the other geo and geoproximity forms', () => {
    const b = (fields: Json, slot: 'item' | 'Primary' = 'item') => ({ slot, fields, ref: null });
    expect(branchLabel('geo', b({ Country: 'US', Subdivision: 'CA' }), 0)).toBe('US-CA');
    expect(branchLabel('geo', b({ Continent: 'NA' }), 0)).toBe('Continent NA');
    expect(branchLabel('geo', b({ IsDefault: 'true' }), 0)).toBe('Default');
    expect(branchLabel('geo', b({ Country: '' }), 0)).toBe('(no location)');
    expect(branchLabel('geoproximity', b({ Region: 'aws:route53:eu-west-1', Bias: 5 }), 0)).toBe('eu-west-1 bias 5');
    expect(branchLabel('geoproximity', b({ Latitude: '10.00', Longitude: '20.00' }), 0)).toBe('10.00, 20.00');
    expect(branchLabel('weighted', b({ Weight: 7 }), 0)).toBe('weight 7');
    expect(branchLabel('multivalue', b({}), 2)).toBe('item 3');
    expect(branchLabel('failover', b({}, 'Primary'), 0)).toBe('Primary');
  });
});

describe('shared children', () => {
  it('two failover rules sharing one endpoint: one node, two incoming edges', () => {
    const doc = {
      AWSPolicyFormatVersion: '2015-10-01',
      RecordType: 'A',
      StartRule: 'by_weight',
      Endpoints: {
        a: { Type: 'value', Value: '192.0.2.1' },
        b: { Type: 'value', Value: '192.0.2.2' },
        backup: { Type: 'value', Value: '192.0.2.9' },
      },
      Rules: {
        by_weight: { RuleType: 'weighted', Items: [{ RuleReference: 'fa', Weight: '1' }, { RuleReference: 'fb', Weight: '1' }] },
        fa: { RuleType: 'failover', Primary: { EndpointReference: 'a' }, Secondary: { EndpointReference: 'backup' } },
        fb: { RuleType: 'failover', Primary: { EndpointReference: 'b' }, Secondary: { EndpointReference: 'backup' } },
      },
    };
    const g = fromDocument(doc);
    const flow = toFlow(g);
    expect(flow.nodes.filter((n) => n.key === 'backup')).toHaveLength(1);
    expect(flow.edges.filter((e) => e.target === 'backup').map((e) => [e.id, e.source, e.label])).toEqual([
      ['fa#1', 'fa', 'Secondary'],
      ['fb#1', 'fb', 'Secondary'],
    ]);
    expect(toDocument(g)).toStrictEqual(doc);
  });

  it('a geo rule and a weighted rule sharing a child rule', () => {
    const doc = {
      AWSPolicyFormatVersion: '2015-10-01',
      RecordType: 'AAAA',
      StartRule: 'where',
      Endpoints: {
        v6a: { Type: 'value', Value: '2001:db8::1' },
        v6b: { Type: 'value', Value: '2001:db8::2' },
        other: { Type: 'value', Value: '2001:db8::3' },
      },
      Rules: {
        where: { RuleType: 'geo', Locations: [{ RuleReference: 'pool', Country: 'DE' }, { RuleReference: 'mix', IsDefault: true }] },
        mix: { RuleType: 'weighted', Items: [{ RuleReference: 'pool', Weight: 2 }, { EndpointReference: 'other', Weight: 1 }] },
        pool: { RuleType: 'multivalue', Items: [{ EndpointReference: 'v6a' }, { EndpointReference: 'v6b' }] },
      },
    };
    const g = fromDocument(doc);
    const flow = toFlow(g);
    expect(flow.nodes.filter((n) => n.key === 'pool')).toHaveLength(1);
    expect(flow.edges.filter((e) => e.target === 'pool').map((e) => `${e.source}:${e.label}`)).toEqual(['where:DE', 'mix:weight 2']);
    expect(toDocument(g)).toStrictEqual(doc);
  });
});

describe('fromDocument', () => {
  it('models branches, slots and references', () => {
    const g = fromDocument(specDocument('geo-latency-failover.json'));
    expect(g.formatVersion).toBe('2015-10-01');
    expect(g.recordType).toBe('A');
    expect(g.start).toEqual({ kind: 'rule', key: 'geo_restriction' });
    expect(g.rules.geo_restriction.branches).toEqual([
      { slot: 'item', fields: { IsDefault: true }, ref: { kind: 'endpoint', key: 'denied_message' } },
      { slot: 'item', fields: { Country: 'US' }, ref: { kind: 'rule', key: 'region_selector' } },
    ]);
    expect(g.rules.east_coast_region.branches.map((b) => [b.slot, b.ref?.key])).toEqual([
      ['Primary', 'east_coast_lb1'],
      ['Secondary', 'east_coast_lb2'],
    ]);
    expect(g.endpoints.denied_message).toEqual({ Type: 's3-website', Region: 'us-east-1', Value: 'video.example.com' });
    expect(g.extra).toEqual({});
    expect(fromDocument(specDocument('minimal.json')).start).toEqual({ kind: 'endpoint', key: 'endpoint-start-NkPh' });
  });

  it('leaves a missing Secondary out and puts Primary first', () => {
    const g = fromDocument({ Rules: { f: { Secondary: { EndpointReference: 'b' }, RuleType: 'failover', Primary: { EndpointReference: 'a' } } } });
    expect(g.rules.f.branches.map((b) => b.slot)).toEqual(['Primary', 'Secondary']);
    const one = fromDocument({ Rules: { f: { RuleType: 'failover', Primary: { EndpointReference: 'a' } } } });
    expect(one.rules.f.branches.map((b) => b.slot)).toEqual(['Primary']);
    expect(toDocument(one)).toStrictEqual({ Rules: { f: { RuleType: 'failover', Primary: { EndpointReference: 'a' } } } });
  });

  it('keeps references to keys that do not exist, and writes them back', () => {
    const doc = {
      AWSPolicyFormatVersion: '2015-10-01',
      RecordType: 'A',
      StartRule: 'no_such_rule',
      Endpoints: { e: { Type: 'value', Value: '192.0.2.1' } },
      Rules: {
        w: { RuleType: 'weighted', Items: [{ EndpointReference: 'ghost', Weight: '1' }, { RuleReference: 'phantom', Weight: '2' }] },
      },
    };
    const g = fromDocument(doc);
    expect(g.start).toEqual({ kind: 'rule', key: 'no_such_rule' });
    expect(g.rules.w.branches.map((b) => b.ref)).toEqual([
      { kind: 'endpoint', key: 'ghost' },
      { kind: 'rule', key: 'phantom' },
    ]);
    expect(toDocument(g)).toStrictEqual(doc);
    const flow = toFlow(g);
    expect(flow.edges).toEqual([]);
    const w = flow.nodes.find((n) => n.key === 'w')!;
    expect(w.branches!.map((b) => [b.missing, b.target])).toEqual([
      [true, null],
      [true, null],
    ]);
    expect(flow.nodes[0].branches![0]).toMatchObject({ missing: true, target: null, ref: { kind: 'rule', key: 'no_such_rule' } });
  });

  it('shows unconnected branches on the node, with no edge', () => {
    const g = fromDocument({
      StartRule: 'g',
      Endpoints: { e: { Type: 'value', Value: '1' } },
      Rules: { g: { RuleType: 'geo', Locations: [{ Country: 'FR' }, { EndpointReference: 'e', Country: 'DE' }] } },
    });
    const flow = toFlow(g);
    expect(flow.edges.map((e) => e.id)).toEqual(['start#0', 'g#1']);
    expect(flow.nodes.find((n) => n.key === 'g')!.branches!.map((b) => [b.label, b.ref, b.target])).toEqual([
      ['FR', null, null],
      ['DE', { kind: 'endpoint', key: 'e' }, 'e'],
    ]);
  });

  it('never throws, and a non-object gives an empty graph', () => {
    for (const v of [null, undefined, 0, 1.5, '', 'text', true, [], [{}], [1, 2]]) {
      const g = fromDocument(v);
      expect(g).toEqual({ formatVersion: '', recordType: '', start: null, endpoints: {}, rules: {}, extra: {} });
      expect(toDocument(g)).toEqual({});
    }
  });

  // Malformed documents: whatever cannot be modelled is kept, so that they come back unchanged.
  const malformed: [string, unknown][] = [
    ['empty object', {}],
    ['empty Rules and Endpoints', { Endpoints: {}, Rules: {} }],
    ['Rules is an array', { Rules: [], Endpoints: 'x' }],
    ['non-object rule and endpoint entries', { Endpoints: { e: 'text', f: { Type: 'value' } }, Rules: { r: 5, s: { RuleType: 'multivalue', Items: [{ EndpointReference: 'f' }] } } }],
    ['non-object branch items', { Rules: { r: { RuleType: 'geo', Locations: [1, { Country: 'FR' }] } } }],
    ['branch list not an array', { Rules: { r: { RuleType: 'latency', Regions: { us: 1 } } } }],
    ['empty branch list', { Rules: { r: { RuleType: 'weighted', Items: [] } } }],
    ['missing branch list', { Rules: { r: { RuleType: 'weighted' } } }],
    ['failover slots that are not objects', { Rules: { r: { RuleType: 'failover', Primary: 'a', Secondary: null } } }],
    ['unknown rule type', { Rules: { r: { RuleType: 'roundrobin', Items: [{ EndpointReference: 'e' }] } } }],
    ['missing RuleType', { Rules: { r: { Locations: [{ Country: 'FR' }] } } }],
    ['RuleType not a string', { Rules: { r: { RuleType: 7 } } }],
    ['wrong casing of the geoproximity list', { Rules: { r: { RuleType: 'geoproximity', GeoProximityLocations: [{ EndpointReference: 'e', Region: 'aws:route53:us-east-1' }] } } }],
    ['both references in a branch', { Rules: { r: { RuleType: 'weighted', Items: [{ EndpointReference: 'e', RuleReference: 'r2', Weight: '1' }] } } }],
    ['a reference that is not a string', { Rules: { r: { RuleType: 'weighted', Items: [{ EndpointReference: 5 }] } } }],
    ['both start members', { StartRule: 'r', StartEndpoint: 'e' }],
    ['StartEndpoint before StartRule', { StartEndpoint: 'e', StartRule: 'r' }],
    ['start members that are not strings', { StartRule: null, StartEndpoint: ['e'] }],
    ['empty strings', { AWSPolicyFormatVersion: '', RecordType: '', StartRule: '' }],
    ['wrong types at the top', { AWSPolicyFormatVersion: 20151001, RecordType: ['A'], Comment: { nested: [1, { a: null }] } }],
    ['unknown members everywhere', { x: 1, Endpoints: { e: { Type: 'value', Value: '1', TTL: 60 } }, Rules: { r: { RuleType: 'failover', Note: 'n', Primary: { EndpointReference: 'e', Extra: [1] } } } }],
    ['keys that are object property names', JSON.parse('{"__proto__":{"a":1},"Endpoints":{"__proto__":{"Type":"value","Value":"1"},"constructor":{"Type":"value","Value":"2"}},"Rules":{"toString":{"RuleType":"weighted","Items":[{"EndpointReference":"__proto__","Weight":"1","__proto__":{"b":2}}]}},"StartRule":"toString"}')],
  ];
  it.each(malformed)('keeps what it cannot model: %s', (_n, doc) => {
    const g = fromDocument(doc);
    expect(canonical(toDocument(g))).toBe(canonical(doc));
    expect(toDocument(g)).toEqual(doc);
    expect(() => toFlow(g)).not.toThrow();
  });

  it('keeps an empty or unmodellable branch list in the rule extra, and models none of it', () => {
    expect(fromDocument({ Rules: { r: { RuleType: 'geo', Locations: [1, { Country: 'FR' }] } } }).rules.r).toEqual({
      ruleType: 'geo',
      branches: [],
      extra: { Locations: [1, { Country: 'FR' }] },
    });
    const both = fromDocument({ Rules: { r: { RuleType: 'weighted', Items: [{ EndpointReference: 'e', RuleReference: 'x' }] } } });
    expect(both.rules.r.branches).toEqual([{ slot: 'item', fields: { EndpointReference: 'e', RuleReference: 'x' }, ref: null }]);
  });

  it('does not share objects with the document', () => {
    const doc = JSON.parse(toText(specDocument('geolocation.json')));
    const g = fromDocument(doc);
    doc.Endpoints.english.Value = 'changed';
    doc.Rules.language_by_country.Locations[0].Country = 'XX';
    expect(g.endpoints.english.Value).toBe('192.0.2.1');
    expect(g.rules.language_by_country.branches[0].fields.Country).toBe('*');
    const out = toDocument(g) as Json;
    out.Endpoints.french.Value = 'changed';
    expect(g.endpoints.french.Value).toBe('192.0.2.2');
  });

  it('survives random damage to the examples, and returns every object unchanged', () => {
    // A small deterministic generator (mulberry32).
    let seed = 12345;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const junk = (): unknown => pick<unknown>([null, 0, -1, 'x', '', true, [], {}, [1, 'a'], { a: { b: [] } }, 'EndpointReference']);
    const damage = (v: any, depth: number): any => {
      if (Array.isArray(v)) {
        const a = v.map((x) => damage(x, depth + 1));
        if (rnd() < 0.1) a.splice(Math.floor(rnd() * (a.length + 1)), 0, junk());
        if (rnd() < 0.1 && a.length) a.splice(Math.floor(rnd() * a.length), 1);
        return a;
      }
      if (v !== null && typeof v === 'object') {
        const o: Json = {};
        for (const [k, x] of Object.entries(v)) {
          const r = rnd();
          if (r < 0.06) continue; // member dropped
          if (r < 0.12) o[k] = junk(); // value replaced
          else if (r < 0.15) o[`${k}X`] = damage(x, depth + 1); // member renamed
          else o[k] = damage(x, depth + 1);
        }
        if (rnd() < 0.05) o[pick(['RuleReference', 'EndpointReference', 'Primary', 'Items', 'Rules', 'Type'])] = junk();
        return o;
      }
      return rnd() < 0.05 ? junk() : v;
    };
    const sources = allDocuments.map(([, t]) => JSON.parse(t));
    for (let i = 0; i < 600; i++) {
      const doc = damage(pick(sources), 0);
      const g = fromDocument(doc);
      expect(toDocument(g)).toStrictEqual(doc);
      toFlow(g);
    }
  });
});

describe('toDocument', () => {
  it('writes members in Route 53 order whatever order the document had', () => {
    const doc = JSON.parse(
      '{"Comment":"c","Rules":{"r":{"Items":[{"Weight":"1","EndpointReference":"e"}],"RuleType":"weighted"}},"Endpoints":{"e":{"Value":"1","Type":"value"}},"StartRule":"r","RecordType":"A","AWSPolicyFormatVersion":"2015-10-01"}',
    );
    const out = toDocument(fromDocument(doc));
    expect(Object.keys(out)).toEqual(['AWSPolicyFormatVersion', 'RecordType', 'StartRule', 'Endpoints', 'Rules', 'Comment']);
    const rule = (out.Rules as Json).r;
    expect(Object.keys(rule)).toEqual(['RuleType', 'Items']);
    expect(Object.keys(rule.Items[0])).toEqual(['EndpointReference', 'Weight']);
    expect(Object.keys((out.Endpoints as Json).e)).toEqual(['Value', 'Type']);
    expect(out).toStrictEqual(doc);
  });

  it('puts StartEndpoint after RecordType, before Endpoints', () => {
    expect(Object.keys(toDocument(fromDocument(specDocument('minimal.json'))))).toEqual([
      'AWSPolicyFormatVersion',
      'RecordType',
      'StartEndpoint',
      'Endpoints',
    ]);
  });

  it('writes a graph built by hand, leaving Rules out when there are none', () => {
    const g: PolicyGraph = {
      formatVersion: '2015-10-01',
      recordType: 'MX',
      start: { kind: 'endpoint', key: 'mail' },
      endpoints: { mail: { Type: 'value', Value: '10 mail.example.com' } },
      rules: {},
      extra: {},
    };
    expect(toText(toDocument(g))).toBe(
      [
        '{',
        '  "AWSPolicyFormatVersion": "2015-10-01",',
        '  "RecordType": "MX",',
        '  "StartEndpoint": "mail",',
        '  "Endpoints": {',
        '    "mail": {',
        '      "Type": "value",',
        '      "Value": "10 mail.example.com"',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it('lets the model win over a kept value once the model has one', () => {
    const g = fromDocument({ RecordType: 5, Rules: { bad: 1 } });
    const edited: PolicyGraph = {
      ...g,
      recordType: 'AAAA',
      rules: { r: { ruleType: 'multivalue', branches: [{ slot: 'item', fields: {}, ref: { kind: 'endpoint', key: 'e' } }], extra: {} } },
    };
    expect(toDocument(edited)).toStrictEqual({ RecordType: 'AAAA', Rules: { r: { RuleType: 'multivalue', Items: [{ EndpointReference: 'e' }] }, bad: 1 } });
  });
});

describe('parseDocumentText', () => {
  const doc = specDocument('failover.json');
  const escaped = JSON.stringify(JSON.stringify(doc));

  it('reads a JSON document', () => {
    expect(parseDocumentText(toText(doc))).toEqual({ ok: true, doc });
    expect(parseDocumentText('\uFEFF  ' + JSON.stringify(doc) + '\n')).toEqual({ ok: true, doc });
  });

  it('reads the escaped form the AWS CLI prints, with or without its quotes', () => {
    expect(escaped.startsWith('"{\\"AWSPolicyFormatVersion\\":')).toBe(true);
    expect(parseDocumentText(escaped)).toEqual({ ok: true, doc });
    expect(parseDocumentText(`\n   ${escaped}  \n`)).toEqual({ ok: true, doc });
    expect(parseDocumentText(escaped.slice(1, -1))).toEqual({ ok: true, doc });
    expect(parseDocumentText(`    "Document": ${escaped},`)).toEqual({ ok: true, doc });
    expect(parseDocumentText(JSON.stringify(escaped))).toEqual({ ok: true, doc });
  });

  it('reads the whole get-traffic-policy answer', () => {
    const answer = { TrafficPolicy: { Id: 'abc', Version: 1, Name: 'p', Type: 'A', Document: JSON.stringify(doc), Comment: '' } };
    expect(parseDocumentText(JSON.stringify(answer, null, 4))).toEqual({ ok: true, doc });
    expect(parseDocumentText(JSON.stringify({ Document: JSON.stringify(doc) }))).toEqual({ ok: true, doc });
  });

  it('does not unwrap a document that happens to have a Document member', () => {
    const own = { RecordType: 'A', Document: '{"x":1}' };
    expect(parseDocumentText(JSON.stringify(own))).toEqual({ ok: true, doc: own });
  });

  it('says where the JSON is broken', () => {
    const broken = '{\n  "AWSPolicyFormatVersion": "2015-10-01",\n  "RecordType": "A"\n  "StartRule": "r"\n}';
    const r = parseDocumentText(broken);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(/^Not valid JSON: line 4, column 3: /);
      expect(r.error).toContain('"StartRule"');
    }
    const trailing = parseDocumentText('{"a": [1, 2,]}');
    expect(trailing.ok === false && trailing.error).toMatch(/line 1, column 13/);
  });

  it('says where an escaped document is broken', () => {
    const r = parseDocumentText(JSON.stringify('{"AWSPolicyFormatVersion": "2015-10-01",\n"RecordType": A}'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^The text is a JSON string, but its content is not a valid JSON document: line 2, column 15/);
  });

  it('refuses empty text and JSON that is not an object', () => {
    expect(parseDocumentText('  \n')).toEqual({ ok: false, error: expect.stringContaining('empty') });
    expect(parseDocumentText('[1]')).toEqual({ ok: false, error: 'A traffic policy document must be a JSON object, found an array.' });
    expect(parseDocumentText('42')).toEqual({ ok: false, error: 'A traffic policy document must be a JSON object, found a number.' });
    expect(parseDocumentText('null')).toEqual({ ok: false, error: 'A traffic policy document must be a JSON object, found null.' });
    expect(parseDocumentText('"[1]"')).toEqual({ ok: false, error: 'A traffic policy document must be a JSON object, found an array.' });
  });
});

describe('jsonErrorOffset', () => {
  it.each([
    ['{}', -1],
    ['{"a": [1, -2.5e3, "x\\u00e9\\n", true, false, null]}', -1],
    ['', 0],
    ['{', 1],
    ['{"a" 1}', 5],
    ['[1,]', 3],
    ['{"a":1} x', 8],
    ['"\\x"', 1],
    ['[01]', 2],
    ['{"a":tru}', 8],
    ['nul', 3],
  ])('%s -> %d', (text, at) => {
    expect(jsonErrorOffset(text)).toBe(at);
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    expect(valid).toBe(at === -1);
  });
});

describe('node and edge ids', () => {
  const g = fromDocument({
    StartRule: 'start',
    Endpoints: {
      shared: { Type: 'value', Value: '1' },
      start: { Type: 'value', Value: '2' },
      plain: { Type: 'value', Value: '3' },
      'rule:x': { Type: 'value', Value: '4' },
    },
    Rules: {
      start: { RuleType: 'weighted', Items: [{ RuleReference: 'shared', Weight: '1' }, { EndpointReference: 'start', Weight: '1' }] },
      shared: { RuleType: 'multivalue', Items: [{ EndpointReference: 'shared' }, { EndpointReference: 'plain' }, { EndpointReference: 'rule:x' }] },
      'endpoint:y': { RuleType: 'multivalue', Items: [] },
    },
  });

  it('are the key, prefixed only where a key would collide', () => {
    expect(nodeId(g, { kind: 'rule', key: 'shared' })).toBe('shared');
    expect(nodeId(g, { kind: 'endpoint', key: 'shared' })).toBe('endpoint:shared');
    expect(nodeId(g, { kind: 'endpoint', key: 'plain' })).toBe('plain');
    expect(nodeId(g, { kind: 'rule', key: 'start' })).toBe('rule:start');
    expect(nodeId(g, { kind: 'endpoint', key: 'start' })).toBe('endpoint:start');
    expect(nodeId(g, { kind: 'endpoint', key: 'rule:x' })).toBe('endpoint:rule:x');
    expect(nodeId(g, { kind: 'rule', key: 'endpoint:y' })).toBe('rule:endpoint:y');
  });

  it('are unique and lead back to their node', () => {
    const flow = toFlow(g);
    const ids = flow.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const n of flow.nodes) {
      expect(refOfNodeId(g, n.id)).toEqual(n.kind === 'start' ? 'start' : { kind: n.kind, key: n.key });
    }
    expect(refOfNodeId(g, 'nothing')).toBeNull();
    expect(flow.edges.map((e) => `${e.id}:${e.source}>${e.target}`)).toEqual([
      'start#0:start>rule:start',
      'rule:start#0:rule:start>shared',
      'rule:start#1:rule:start>endpoint:start',
      'shared#0:shared>endpoint:shared',
      'shared#1:shared>plain',
      'shared#2:shared>endpoint:rule:x',
    ]);
  });

  it('edge ids lead back to their branch', () => {
    for (const e of toFlow(g).edges) {
      const p = parentOfEdgeId(g, e.id);
      expect(p).not.toBeNull();
      expect(edgeId(g, p!)).toBe(e.id);
    }
    expect(parentOfEdgeId(g, 'rule:start#1')).toEqual({ rule: 'start', branch: 1 });
    expect(parentOfEdgeId(g, 'rule:start#2')).toBeNull();
    expect(parentOfEdgeId(g, 'start#0')).toBe('start');
    expect(parentOfEdgeId(g, 'plain#0')).toBeNull();
  });

  it('flag nodes the start point does not lead to', () => {
    const flow = toFlow(g);
    expect(flow.nodes.filter((n) => n.unused).map((n) => n.id)).toEqual(['rule:endpoint:y']);
  });
});
