// The properties panel of the selected node: the start point's DNS type, a rule's branches
// (location, region, weight, bias, health check, EvaluateTargetHealth, child), an endpoint's
// type and value, and the "Connect to" menu that adds a new or an existing rule or endpoint.
// Everything here is reachable from the keyboard; the node picker at the top selects any node.
import { useState } from 'react';
import { CoveragePanel } from '../map/CoveragePanel';
import type { GeoLocation, HealthCheck, RegionInfo } from '../api';
import { refOfNodeId } from '../model/convert';
import { ENDPOINT_TYPES, RULE_LABEL, RULE_TYPES, type Branch, type PolicyGraph, type Ref, type RuleType } from '../model/types';

export const RECORD_TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NAPTR', 'PTR', 'SPF', 'SRV', 'TXT', 'DS'];

/** Endpoint types valid for a DNS type: alias-style targets answer A and AAAA (and CNAME as a name). */
export function endpointTypesFor(recordType: string): string[] {
  if (recordType === 'A' || recordType === 'AAAA') return [...ENDPOINT_TYPES];
  if (recordType === 'CNAME') return ENDPOINT_TYPES.filter((t) => t !== 's3-website');
  return ['value'];
}

const VALUE_HINT: Record<string, string> = {
  A: '192.0.2.1',
  AAAA: '2001:db8::1',
  CNAME: 'www.example.com',
  MX: '10 mail.example.com',
  TXT: '"some text"',
  SRV: '10 5 443 svc.example.com',
  CAA: '0 issue "ca.example.net"',
  NAPTR: '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .',
  PTR: 'host.example.com',
  SPF: '"v=spf1 -all"',
  DS: '12345 13 2 ...',
};

export const refOfNode = refOfNodeId;

export interface FieldIssues {
  /** Messages keyed by `branch|field` ("-1|" for the node itself, "-1|Value" for an endpoint field). */
  get(branch: number, field: string): string[];
  node: string[];
}

export interface PropertiesProps {
  graph: PolicyGraph;
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Applies an edit; returns an error message when the edit is refused. */
  edit: (kind: EditAction) => string | null;
  healthChecks: HealthCheck[];
  geolocations: GeoLocation[];
  regions: RegionInfo[];
  localZones: RegionInfo[];
  issues: FieldIssues;
  nodeIds: string[];
  /** The document on screen, for the rule's catchment map. */
  document: string;
}

export type EditAction =
  | { op: 'recordType'; value: string }
  | { op: 'connectNewRule'; parent: Parent; ruleType: RuleType }
  | { op: 'connectNewEndpoint'; parent: Parent; endpointType: string; value: string }
  | { op: 'connectExisting'; parent: Parent; child: Ref }
  | { op: 'branchFields'; rule: string; index: number; fields: Record<string, unknown> }
  | { op: 'removeBranch'; rule: string; index: number }
  | { op: 'endpoint'; key: string; fields: Record<string, unknown> }
  | { op: 'rename'; ref: Ref; key: string }
  | { op: 'delete'; ref: Ref }
  | { op: 'disconnectStart' };

/** Where a new connection hangs: the start point, or a rule (a new branch, or failover's slot). */
export type Parent = 'start' | { rule: string; branch: number };

export function Properties(p: PropertiesProps) {
  const g = p.graph;
  const ref = p.selected ? refOfNode(g, p.selected) : null;
  return (
    <div className="props" aria-label="Properties">
      <label className="node-picker">
        Node
        <select aria-label="Node" value={p.selected ?? ''} onChange={(e) => p.onSelect(e.target.value || null)}>
          <option value="">(none)</option>
          {p.nodeIds.map((id) => (
            <option key={id} value={id}>
              {id === 'start' ? 'Start point' : id}
            </option>
          ))}
        </select>
      </label>
      {ref === null && <p className="muted">Select a node on the canvas, or pick one above, to see its properties.</p>}
      {ref === 'start' && <StartProps {...p} />}
      {ref !== null && ref !== 'start' && ref.kind === 'rule' && g.rules[ref.key] && <RuleProps {...p} rule={ref.key} />}
      {ref !== null && ref !== 'start' && ref.kind === 'endpoint' && g.endpoints[ref.key] && (
        <EndpointProps {...p} ekey={ref.key} />
      )}
    </div>
  );
}

function Issues(props: { messages: string[] }) {
  if (!props.messages.length) return null;
  return (
    <ul className="field-errors">
      {props.messages.map((m, i) => (
        <li key={i}>{m}</li>
      ))}
    </ul>
  );
}

function StartProps(p: PropertiesProps) {
  const g = p.graph;
  return (
    <section>
      <h3>Start point</h3>
      <label>
        DNS type
        <select value={g.recordType} onChange={(e) => p.edit({ op: 'recordType', value: e.target.value })}>
          {RECORD_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <Issues messages={p.issues.node} />
      {g.start ? (
        <p>
          Starts at <strong>{g.start.key}</strong>{' '}
          <button onClick={() => p.edit({ op: 'disconnectStart' })}>Disconnect</button>
        </p>
      ) : (
        <ConnectTo {...p} parent="start" />
      )}
    </section>
  );
}

function NameField(p: PropertiesProps & { nodeRef: Ref }) {
  const [name, setName] = useState(p.nodeRef.key);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        const err = p.edit({ op: 'rename', ref: p.nodeRef, key: name.trim() });
        setError(err);
      }}
    >
      <label>
        Key
        <input value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} />
      </label>
      <button type="submit" disabled={name.trim() === p.nodeRef.key}>
        Rename
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </form>
  );
}

function RuleProps(p: PropertiesProps & { rule: string }) {
  const r = p.graph.rules[p.rule];
  const type = r.ruleType as RuleType;
  const failover = type === 'failover';
  const [showMap, setShowMap] = useState(false);
  const mapped = type === 'geoproximity' || type === 'latency';
  return (
    <section>
      <h3>{RULE_LABEL[type] ?? r.ruleType}</h3>
      <NameField key={p.rule} {...p} nodeRef={{ kind: 'rule', key: p.rule }} />
      <Issues messages={p.issues.node} />
      {r.branches.map((b, i) => (
        <BranchProps key={`${p.rule}-${i}`} {...p} branch={b} index={i} type={type} />
      ))}
      {mapped && (
        <div className="rule-map">
          <button aria-expanded={showMap} onClick={() => setShowMap((v) => !v)}>
            {showMap ? 'Hide' : 'Show'} {type === 'geoproximity' ? 'geoproximity' : 'latency'} map
          </button>
          {showMap && <CoveragePanel document={p.document} unhealthy={[]} ruleForGrid={p.rule} />}
        </div>
      )}
      {(!failover || r.branches.length < 2) && (
        <div className="add-branch">
          <h4>{failover ? (r.branches.some((b) => b.slot === 'Primary') ? 'Secondary (on failover)' : 'Primary') : 'Add a branch'}</h4>
          <ConnectTo {...p} parent={{ rule: p.rule, branch: r.branches.length }} multivalue={type === 'multivalue'} />
        </div>
      )}
      <button className="danger" onClick={() => p.edit({ op: 'delete', ref: { kind: 'rule', key: p.rule } })}>
        Delete rule {p.rule}
      </button>
      <p className="muted small">Deleting a rule deletes the nodes below it that nothing else uses.</p>
    </section>
  );
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function BranchProps(p: PropertiesProps & { rule: string; branch: Branch; index: number; type: RuleType }) {
  const { branch: b, index: i, type } = p;
  const f = b.fields;
  const set = (fields: Record<string, unknown>) => p.edit({ op: 'branchFields', rule: p.rule, index: i, fields });
  const patch = (name: string, value: unknown) => {
    const next: Record<string, unknown> = { ...f };
    if (value === undefined || value === '') delete next[name];
    else next[name] = value;
    set(next);
  };
  const label = b.slot === 'Primary' ? 'Primary' : b.slot === 'Secondary' ? 'Secondary (on failover)' : `Branch ${i + 1}`;
  const issues = (field: string) => p.issues.get(i, field);
  return (
    <fieldset className="branch" data-branch={i}>
      <legend>
        {label} → {b.ref ? b.ref.key : <em>not connected</em>}
      </legend>
      <Issues messages={issues('')} />
      {type === 'geo' && <GeoLocationField {...p} name={`Location of ${label}`} fields={f} set={set} msgs={[...issues('Country'), ...issues('Continent'), ...issues('Subdivision'), ...issues('IsDefault')]} />}
      {type === 'latency' && (
        <label>
          Region
          <select aria-label={`Region of branch ${i + 1}`} value={str(f.Region)} onChange={(e) => patch('Region', e.target.value)}>
            <option value="">(choose a region)</option>
            {p.regions.map((r) => (
              <option key={r.code} value={r.code}>
                {r.code} — {r.name}
              </option>
            ))}
          </select>
          <Issues messages={issues('Region')} />
        </label>
      )}
      {type === 'geoproximity' && <GeoproximityField {...p} fields={f} set={set} index={i} issueOf={issues} />}
      {type === 'weighted' && (
        <label>
          Weight (0–255)
          <input
            aria-label={`Weight of branch ${i + 1}`}
            inputMode="numeric"
            value={str(f.Weight)}
            onChange={(e) => patch('Weight', e.target.value)}
          />
          <Issues messages={issues('Weight')} />
        </label>
      )}
      <label>
        Health check
        <select aria-label={`Health check of ${label}`} value={str(f.HealthCheck)} onChange={(e) => patch('HealthCheck', e.target.value)}>
          <option value="">(none)</option>
          {p.healthChecks.map((h) => (
            <option key={h.id} value={h.id}>
              {h.id} ({h.status})
            </option>
          ))}
          {f.HealthCheck !== undefined && !p.healthChecks.some((h) => h.id === f.HealthCheck) && (
            <option value={str(f.HealthCheck)}>{str(f.HealthCheck)} (does not exist)</option>
          )}
        </select>
        <Issues messages={issues('HealthCheck')} />
      </label>
      {type !== 'multivalue' && (
        <label className="check">
          <input
            type="checkbox"
            checked={f.EvaluateTargetHealth === true || f.EvaluateTargetHealth === 'true'}
            onChange={(e) => patch('EvaluateTargetHealth', e.target.checked ? true : undefined)}
          />
          Evaluate target health
        </label>
      )}
      {b.ref === null && (
        <ConnectTo {...p} parent={{ rule: p.rule, branch: i }} multivalue={type === 'multivalue'} name={`Connect ${label} to`} />
      )}
      <button onClick={() => p.edit({ op: 'removeBranch', rule: p.rule, index: i })} aria-label={`Delete the connection of ${label}`}>
        Delete connection
      </button>
    </fieldset>
  );
}

function GeoLocationField(p: PropertiesProps & { name: string; fields: Record<string, unknown>; set: (f: Record<string, unknown>) => void; msgs: string[] }) {
  const f = p.fields;
  const current =
    f.IsDefault === true || f.IsDefault === 'true' || f.Country === '*'
      ? 'default'
      : f.Subdivision
        ? `sub:${str(f.Country)}:${str(f.Subdivision)}`
        : f.Country
          ? `country:${str(f.Country)}`
          : f.Continent
            ? `continent:${str(f.Continent)}`
            : '';
  const continents = p.geolocations.filter((l) => l.continent_code && !l.country_code);
  const countries = p.geolocations.filter((l) => l.country_code && !l.subdivision_code && l.country_code !== '*');
  const subs = p.geolocations.filter((l) => l.subdivision_code);
  return (
    <label>
      Location
      <select
        aria-label={p.name}
        value={current}
        onChange={(e) => {
          const v = e.target.value;
          const rest: Record<string, unknown> = { ...f };
          delete rest.IsDefault;
          delete rest.Country;
          delete rest.Continent;
          delete rest.Subdivision;
          let loc: Record<string, unknown> = {};
          if (v === 'default') loc = { IsDefault: true };
          else if (v.startsWith('continent:')) loc = { Continent: v.slice(10) };
          else if (v.startsWith('country:')) loc = { Country: v.slice(8) };
          else if (v.startsWith('sub:')) {
            const [, c, s] = v.split(':');
            loc = { Country: c, Subdivision: s };
          }
          p.set({ ...loc, ...rest });
        }}
      >
        <option value="">(choose a location)</option>
        <option value="default">Default (everyone else)</option>
        <optgroup label="Continents">
          {continents.map((l) => (
            <option key={l.continent_code!} value={`continent:${l.continent_code}`}>
              {l.continent_name} ({l.continent_code})
            </option>
          ))}
        </optgroup>
        <optgroup label="Countries">
          {countries.map((l) => (
            <option key={l.country_code!} value={`country:${l.country_code}`}>
              {l.country_name} ({l.country_code})
            </option>
          ))}
        </optgroup>
        <optgroup label="Subdivisions">
          {subs.map((l) => (
            <option key={`${l.country_code}-${l.subdivision_code}`} value={`sub:${l.country_code}:${l.subdivision_code}`}>
              {l.subdivision_name} ({l.country_code}-{l.subdivision_code})
            </option>
          ))}
        </optgroup>
      </select>
      <Issues messages={p.msgs} />
    </label>
  );
}

function GeoproximityField(
  p: PropertiesProps & {
    fields: Record<string, unknown>;
    set: (f: Record<string, unknown>) => void;
    index: number;
    issueOf: (field: string) => string[];
  },
) {
  const f = p.fields;
  // Both document forms: flat Region/Latitude/Longitude (2015-10-01) and Location (2023-05-09).
  const loc = (f.Location ?? null) as Record<string, unknown> | null;
  const kind = loc ? str(loc.Type) || 'Region' : f.Latitude !== undefined || f.Longitude !== undefined ? 'Coordinate' : 'Region';
  const name = loc ? str(loc.LocationName) : str(f.Region);
  const lat = loc ? str(loc.Latitude) : str(f.Latitude);
  const lon = loc ? str(loc.Longitude) : str(f.Longitude);
  const write = (k: string, n: string, la: string, lo: string) => {
    const rest: Record<string, unknown> = { ...f };
    delete rest.Region;
    delete rest.Latitude;
    delete rest.Longitude;
    delete rest.Location;
    if (loc || k === 'LocalZone') {
      rest.Location = k === 'Coordinate' ? { Type: 'Coordinate', Latitude: la, Longitude: lo } : { Type: k, LocationName: n };
    } else if (k === 'Coordinate') {
      rest.Latitude = la;
      rest.Longitude = lo;
    } else {
      rest.Region = n;
    }
    p.set(rest);
  };
  const list = kind === 'LocalZone' ? p.localZones : p.regions;
  return (
    <div className="geoprox">
      <label>
        Endpoint location
        <select aria-label={`Location type of branch ${p.index + 1}`} value={kind} onChange={(e) => write(e.target.value, '', '', '')}>
          <option value="Region">AWS Region</option>
          <option value="LocalZone">Local Zone</option>
          <option value="Coordinate">Custom coordinates</option>
        </select>
      </label>
      {kind !== 'Coordinate' ? (
        <label>
          {kind === 'LocalZone' ? 'Local Zone' : 'Region'}
          <select aria-label={`Geoproximity region of branch ${p.index + 1}`} value={name} onChange={(e) => write(kind, e.target.value, '', '')}>
            <option value="">(choose)</option>
            {list.map((r) => (
              <option key={r.code} value={`aws:route53:${r.code}`}>
                {r.code} — {r.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <div className="row">
          <label>
            Latitude
            <input aria-label={`Latitude of branch ${p.index + 1}`} value={lat} onChange={(e) => write(kind, '', e.target.value, lon)} />
          </label>
          <label>
            Longitude
            <input aria-label={`Longitude of branch ${p.index + 1}`} value={lon} onChange={(e) => write(kind, '', lat, e.target.value)} />
          </label>
        </div>
      )}
      <label>
        Bias (−99 to 99)
        <input
          type="range"
          min={-99}
          max={99}
          aria-label={`Bias of branch ${p.index + 1}`}
          value={Number(f.Bias ?? 0) || 0}
          onChange={(e) => p.set({ ...f, Bias: e.target.value })}
        />
        <span className="mono">{str(f.Bias ?? 0)}</span>
      </label>
      <Issues messages={[...p.issueOf('Region'), ...p.issueOf('Location'), ...p.issueOf('Latitude'), ...p.issueOf('Longitude'), ...p.issueOf('Bias')]} />
    </div>
  );
}

function EndpointProps(p: PropertiesProps & { ekey: string }) {
  const e = p.graph.endpoints[p.ekey];
  const types = endpointTypesFor(p.graph.recordType);
  const set = (name: string, value: unknown) => {
    const next: Record<string, unknown> = { ...e };
    if (value === undefined || value === '') delete next[name];
    else next[name] = value;
    p.edit({ op: 'endpoint', key: p.ekey, fields: next });
  };
  return (
    <section>
      <h3>Endpoint</h3>
      <NameField key={p.ekey} {...p} nodeRef={{ kind: 'endpoint', key: p.ekey }} />
      <Issues messages={p.issues.node} />
      <label>
        Value type
        <select value={str(e.Type)} onChange={(ev) => set('Type', ev.target.value)}>
          {types.map((t) => (
            <option key={t} value={t}>
              {t === 'value' ? `Type ${p.graph.recordType} value` : t}
            </option>
          ))}
          {!types.includes(str(e.Type)) && <option value={str(e.Type)}>{str(e.Type)} (not valid for {p.graph.recordType})</option>}
        </select>
        <Issues messages={p.issues.get(-1, 'Type')} />
      </label>
      <label>
        Value
        <input aria-label="Value" value={str(e.Value)} placeholder={VALUE_HINT[p.graph.recordType] ?? ''} onChange={(ev) => set('Value', ev.target.value)} spellCheck={false} />
        <Issues messages={p.issues.get(-1, 'Value')} />
      </label>
      {e.Type === 's3-website' && (
        <label>
          Region
          <select value={str(e.Region)} onChange={(ev) => set('Region', ev.target.value)}>
            <option value="">(choose a region)</option>
            {p.regions.map((r) => (
              <option key={r.code} value={r.code}>
                {r.code}
              </option>
            ))}
          </select>
          <Issues messages={p.issues.get(-1, 'Region')} />
        </label>
      )}
      <button className="danger" onClick={() => p.edit({ op: 'delete', ref: { kind: 'endpoint', key: p.ekey } })}>
        Delete endpoint {p.ekey}
      </button>
    </section>
  );
}

/** Route 53's "Connect to" menu: a new rule of any type, a new endpoint, or an existing node. */
export function ConnectTo(p: PropertiesProps & { parent: Parent; multivalue?: boolean; name?: string }) {
  const g = p.graph;
  const [choice, setChoice] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const types = endpointTypesFor(g.recordType);
  const parentRule = p.parent === 'start' ? null : p.parent.rule;
  const existingRules = Object.keys(g.rules).filter((k) => k !== parentRule);
  const existingEndpoints = Object.keys(g.endpoints);
  const submit = () => {
    let err: string | null = null;
    if (!choice) err = 'Choose what to connect to.';
    else if (choice.startsWith('new-rule:'))
      err = p.edit({ op: 'connectNewRule', parent: p.parent, ruleType: choice.slice(9) as RuleType });
    else if (choice.startsWith('new-endpoint:'))
      err = p.edit({ op: 'connectNewEndpoint', parent: p.parent, endpointType: choice.slice(13), value: value.trim() });
    else if (choice.startsWith('rule:')) err = p.edit({ op: 'connectExisting', parent: p.parent, child: { kind: 'rule', key: choice.slice(5) } });
    else if (choice.startsWith('endpoint:'))
      err = p.edit({ op: 'connectExisting', parent: p.parent, child: { kind: 'endpoint', key: choice.slice(9) } });
    setError(err);
    if (!err) {
      setChoice('');
      setValue('');
    }
  };
  return (
    <div className="connect-to">
      <label>
        Connect to
        <select aria-label={p.name ?? 'Connect to'} value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value="">(choose)</option>
          {!p.multivalue && (
            <optgroup label="New rule">
              {RULE_TYPES.map((t) => (
                <option key={t} value={`new-rule:${t}`}>
                  {RULE_LABEL[t]}
                </option>
              ))}
            </optgroup>
          )}
          <optgroup label="New endpoint">
            {types.map((t) => (
              <option key={t} value={`new-endpoint:${t}`}>
                New endpoint: {t === 'value' ? `Type ${g.recordType} value` : t}
              </option>
            ))}
          </optgroup>
          {!p.multivalue && existingRules.length > 0 && (
            <optgroup label="Existing rule">
              {existingRules.map((k) => (
                <option key={k} value={`rule:${k}`}>
                  Existing rule: {k}
                </option>
              ))}
            </optgroup>
          )}
          {existingEndpoints.length > 0 && (
            <optgroup label="Existing endpoint">
              {existingEndpoints.map((k) => (
                <option key={k} value={`endpoint:${k}`}>
                  Existing endpoint: {k}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      {choice.startsWith('new-endpoint:') && (
        <label>
          Endpoint value
          <input value={value} onChange={(e) => setValue(e.target.value)} placeholder={VALUE_HINT[g.recordType] ?? ''} spellCheck={false} />
        </label>
      )}
      <button onClick={submit}>Connect</button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
