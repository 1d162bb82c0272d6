import { describe, expect, it } from 'vitest';
import { fromDocument } from './convert';
import { diffMarks } from './diffmarks';

const v1 = {
  AWSPolicyFormatVersion: '2015-10-01',
  RecordType: 'A',
  StartRule: 'geo',
  Endpoints: { gb: { Type: 'value', Value: '192.0.2.1' }, rest: { Type: 'value', Value: '192.0.2.2' }, old: { Type: 'value', Value: '192.0.2.9' } },
  Rules: {
    geo: {
      RuleType: 'geo',
      Locations: [
        { Country: 'GB', EndpointReference: 'gb' },
        { IsDefault: true, EndpointReference: 'rest' },
      ],
    },
  },
};

describe('diff marks', () => {
  it('mark a node changed on both sides when a branch is added inside it, and the new branch only where it exists', () => {
    const l = fromDocument(v1);
    const r = fromDocument({ ...v1, Rules: { geo: { ...v1.Rules.geo, Locations: [...v1.Rules.geo.Locations, { Country: 'JP', EndpointReference: 'gb' }] } } });
    const d = [{ pointer: '/Rules/geo/Locations/2', kind: 'added' }];
    const left = diffMarks(l, d, 'left');
    const right = diffMarks(r, d, 'right');
    expect([...left.nodes]).toEqual([['geo', 'changed']]);
    expect([...left.edges]).toEqual([]);
    expect([...right.nodes]).toEqual([['geo', 'changed']]);
    expect([...right.edges]).toEqual(['geo#2']);
  });

  it('mark whole endpoints added or removed on the side that has them', () => {
    const l = fromDocument(v1);
    const r = fromDocument({ ...v1, Endpoints: { gb: v1.Endpoints.gb, rest: { Type: 'value', Value: '192.0.2.3' }, fresh: { Type: 'value', Value: '192.0.2.4' } } });
    const d = [
      { pointer: '/Endpoints/old', kind: 'removed' },
      { pointer: '/Endpoints/fresh', kind: 'added' },
      { pointer: '/Endpoints/rest/Value', kind: 'changed', before: '192.0.2.2', after: '192.0.2.3' },
    ];
    expect(Object.fromEntries(diffMarks(l, d, 'left').nodes)).toEqual({ old: 'removed', rest: 'changed' });
    expect(Object.fromEntries(diffMarks(r, d, 'right').nodes)).toEqual({ fresh: 'added', rest: 'changed' });
  });

  it('ignore pointers that name nothing in the graph', () => {
    const g = fromDocument(v1);
    expect(diffMarks(g, [{ pointer: '/Rules/nope/Locations/0', kind: 'changed' }], 'left').nodes.size).toBe(0);
  });
});
