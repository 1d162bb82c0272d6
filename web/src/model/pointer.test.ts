import { describe, expect, it } from 'vitest';
import { fromDocument, nodeId } from './convert';
import { allDocuments, specDocument } from './fixtures';
import { escapeToken, pointerOf, pointerOfBranch, pointerOfEndpoint, pointerOfRule, pointerTokens, targetOfPointer } from './pointer';

/** Resolves a pointer in a JSON value (RFC 6901), or undefined. */
function resolve(doc: unknown, pointer: string): unknown {
  let cur: any = doc;
  for (const t of pointerTokens(pointer)!) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, t)) return undefined;
    cur = cur[t];
  }
  return cur;
}

describe('targetOfPointer', () => {
  const geo = fromDocument(specDocument('geo-latency-failover.json'));
  const failover = fromDocument(specDocument('failover.json'));

  it('maps validator and trace pointers to node, branch and field', () => {
    expect(targetOfPointer(geo, '/Rules/geo_restriction/Locations/1/Country')).toEqual({ node: 'geo_restriction', branch: 1, field: 'Country' });
    expect(targetOfPointer(geo, '/Rules/geo_restriction/Locations/0')).toEqual({ node: 'geo_restriction', branch: 0 });
    expect(targetOfPointer(geo, '/Rules/region_selector/Regions/1/RuleReference')).toEqual({
      node: 'region_selector',
      branch: 1,
      field: 'RuleReference',
    });
    expect(targetOfPointer(failover, '/Rules/site_switch/Primary/EndpointReference')).toEqual({
      node: 'site_switch',
      branch: 0,
      field: 'EndpointReference',
    });
    expect(targetOfPointer(failover, '/Rules/site_switch/Secondary')).toEqual({ node: 'site_switch', branch: 1 });
    expect(targetOfPointer(failover, '/Endpoints/my_elb/Value')).toEqual({ node: 'my_elb', field: 'Value' });
    expect(targetOfPointer(failover, '/Endpoints/my_elb')).toEqual({ node: 'my_elb' });
    expect(targetOfPointer(failover, '/Rules/site_switch')).toEqual({ node: 'site_switch' });
    expect(targetOfPointer(failover, '/Rules/site_switch/RuleType')).toEqual({ node: 'site_switch', field: 'RuleType' });
  });

  it('puts the document and its top-level members on the start node', () => {
    expect(targetOfPointer(failover, '')).toEqual({ node: 'start' });
    expect(targetOfPointer(failover, '/StartRule')).toEqual({ node: 'start', field: 'StartRule' });
    expect(targetOfPointer(failover, '/RecordType')).toEqual({ node: 'start', field: 'RecordType' });
    expect(targetOfPointer(failover, '/AWSPolicyFormatVersion')).toEqual({ node: 'start', field: 'AWSPolicyFormatVersion' });
    expect(targetOfPointer(failover, '/Rules')).toEqual({ node: 'start', field: 'Rules' });
    expect(targetOfPointer(failover, '/Endpoints')).toEqual({ node: 'start', field: 'Endpoints' });
    expect(targetOfPointer(failover, '/Comment')).toEqual({ node: 'start', field: 'Comment' });
  });

  it('decodes ~0 and ~1, and the URI fragment form', () => {
    const g = fromDocument({
      Endpoints: { 'e/1': { Type: 'value', Value: '1' } },
      Rules: { 'a/b~c': { RuleType: 'failover', Primary: { EndpointReference: 'e/1' } } },
    });
    expect(targetOfPointer(g, '/Rules/a~1b~0c/Primary/EndpointReference')).toEqual({ node: 'a/b~c', branch: 0, field: 'EndpointReference' });
    expect(targetOfPointer(g, '/Endpoints/e~11/Value')).toEqual({ node: 'e/1', field: 'Value' });
    expect(targetOfPointer(g, '#/Rules/a~1b~0c/Primary')).toEqual({ node: 'a/b~c', branch: 0 });
    expect(targetOfPointer(g, '/Rules/a~2b')).toBeNull();
  });

  it('uses the prefixed id of an endpoint whose key is also a rule key', () => {
    const g = fromDocument({
      StartRule: 'x',
      Endpoints: { x: { Type: 'value', Value: '1' } },
      Rules: { x: { RuleType: 'multivalue', Items: [{ EndpointReference: 'x' }] } },
    });
    expect(targetOfPointer(g, '/Endpoints/x/Value')).toEqual({ node: 'endpoint:x', field: 'Value' });
    expect(targetOfPointer(g, '/Rules/x/Items/0')).toEqual({ node: 'x', branch: 0 });
  });

  it('names the member when the branch it points into is not in the graph', () => {
    const g = fromDocument({
      Rules: {
        f: { RuleType: 'failover', Primary: { EndpointReference: 'e' } },
        bad: { RuleType: 'geo', Locations: [1] },
        prox: { RuleType: 'geoproximity', GeoproximityLocations: [{ EndpointReference: 'e', Location: { Type: 'Coordinate', Latitude: '1.234' } }] },
      },
    });
    expect(targetOfPointer(g, '/Rules/f/Secondary')).toEqual({ node: 'f', field: 'Secondary' });
    expect(targetOfPointer(g, '/Rules/f/Primary/HealthCheck')).toEqual({ node: 'f', branch: 0, field: 'HealthCheck' });
    expect(targetOfPointer(g, '/Rules/bad/Locations/0')).toEqual({ node: 'bad', field: 'Locations' });
    expect(targetOfPointer(g, '/Rules/prox/GeoproximityLocations/3')).toEqual({ node: 'prox', field: 'GeoproximityLocations' });
    expect(targetOfPointer(g, '/Rules/prox/GeoproximityLocations/0/Location/Latitude')).toEqual({ node: 'prox', branch: 0, field: 'Location' });
    expect(targetOfPointer(g, '/Rules/prox/GeoproximityLocations/00')).toEqual({ node: 'prox', field: 'GeoproximityLocations' });
  });

  it('is null for rules and endpoints the graph does not have, and for non-pointers', () => {
    expect(targetOfPointer(failover, '/Rules/gone/Primary')).toBeNull();
    expect(targetOfPointer(failover, '/Endpoints/gone/Value')).toBeNull();
    expect(targetOfPointer(failover, '/Rules/constructor')).toBeNull();
    expect(targetOfPointer(failover, 'Rules/site_switch')).toBeNull();
  });
});

describe.each(allDocuments)('pointerOfBranch on %s', (_name, text) => {
  const doc = JSON.parse(text);
  const g = fromDocument(doc);
  it('names every branch by a pointer that resolves to it and maps back to it', () => {
    for (const [key, rule] of Object.entries(g.rules)) {
      rule.branches.forEach((b, i) => {
        const p = pointerOfBranch(g, key, i)!;
        expect(p).toMatch(/^\/Rules\//);
        const item = resolve(doc, p) as Record<string, unknown>;
        expect(item).toBeTypeOf('object');
        const refMember = b.ref!.kind === 'rule' ? 'RuleReference' : 'EndpointReference';
        expect(item[refMember]).toBe(b.ref!.key);
        expect(targetOfPointer(g, p)).toEqual({ node: nodeId(g, { kind: 'rule', key }), branch: i });
        for (const field of Object.keys(b.fields)) {
          expect(targetOfPointer(g, `${p}/${escapeToken(field)}`)).toEqual({ node: nodeId(g, { kind: 'rule', key }), branch: i, field });
        }
      });
      expect(pointerOfBranch(g, key, rule.branches.length)).toBeNull();
      expect(resolve(doc, pointerOfRule(key))).toBe(doc.Rules[key]);
    }
    for (const key of Object.keys(g.endpoints)) expect(resolve(doc, pointerOfEndpoint(key))).toBe(doc.Endpoints[key]);
  });
});

describe('pointer helpers', () => {
  it('escape keys and split pointers', () => {
    expect(pointerOf(['Rules', 'a/b~c', 'Primary'])).toBe('/Rules/a~1b~0c/Primary');
    expect(pointerTokens('/Rules/a~1b~0c/Primary')).toEqual(['Rules', 'a/b~c', 'Primary']);
    expect(pointerTokens('/a~01')).toEqual(['a~1']);
    expect(pointerTokens('')).toEqual([]);
    expect(pointerTokens('/')).toEqual(['']);
    expect(pointerTokens('x')).toBeNull();
    const g = fromDocument({ Rules: { 'a/b~c': { RuleType: 'failover', Secondary: { EndpointReference: 'e' } } } });
    expect(pointerOfBranch(g, 'a/b~c', 0)).toBe('/Rules/a~1b~0c/Secondary');
    expect(pointerOfBranch(g, 'nope', 0)).toBeNull();
    expect(pointerOfBranch(g, 'a/b~c', -1)).toBeNull();
  });
});
