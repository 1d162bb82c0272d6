// The editor's model of a traffic policy document: a graph of rules and endpoints keyed by
// their document keys. The canvas, the properties panel, undo/redo and validation all work on
// this model; `convert.ts` turns it into a document and back, losslessly for every field the
// editor does not itself understand (kept in `extra`).

/** The six rule types of the document format. */
export type RuleType = 'failover' | 'geo' | 'geoproximity' | 'latency' | 'multivalue' | 'weighted';

export const RULE_TYPES: RuleType[] = ['failover', 'geo', 'geoproximity', 'latency', 'multivalue', 'weighted'];

/** The array member that holds a rule's branches ("" for failover's Primary/Secondary). */
export const RULE_LIST_KEY: Record<RuleType, string> = {
  failover: '',
  geo: 'Locations',
  geoproximity: 'GeoproximityLocations',
  latency: 'Regions',
  multivalue: 'Items',
  weighted: 'Items',
};

export const RULE_LABEL: Record<RuleType, string> = {
  failover: 'Failover rule',
  geo: 'Geolocation rule',
  geoproximity: 'Geoproximity rule',
  latency: 'Latency rule',
  multivalue: 'Multivalue answer rule',
  weighted: 'Weighted rule',
};

/** Endpoint `Type`s of the document format. */
export const ENDPOINT_TYPES = [
  'value',
  'cloudfront',
  'elastic-load-balancer',
  'application-load-balancer',
  'network-load-balancer',
  'elastic-beanstalk',
  's3-website',
] as const;

/** A reference from a branch to its child. */
export interface Ref {
  kind: 'rule' | 'endpoint';
  key: string;
}

/** One branch of a rule: an item of its list, or failover's Primary or Secondary. */
export interface Branch {
  /** `Primary` / `Secondary` for failover; `item` for every list rule. */
  slot: 'Primary' | 'Secondary' | 'item';
  /**
   * Every member of the branch object except `EndpointReference` / `RuleReference`, in
   * document order (Country, Region, Weight, IsDefault, HealthCheck, EvaluateTargetHealth,
   * Bias, Latitude..., and any member the editor does not know).
   */
  fields: Record<string, unknown>;
  /** The child, or null while the branch is not connected yet. */
  ref: Ref | null;
}

export interface Rule {
  ruleType: RuleType | string;
  branches: Branch[];
  /** Members of the rule object other than RuleType and its branches, kept as they were. */
  extra: Record<string, unknown>;
}

/** An endpoint object as it stands in the document (Type, Value, Region, ...). */
export type Endpoint = Record<string, unknown>;

export interface PolicyGraph {
  /** `AWSPolicyFormatVersion`. */
  formatVersion: string;
  recordType: string;
  /** StartRule or StartEndpoint; null while the start point is not connected. */
  start: Ref | null;
  /** Endpoints by key, in document order. */
  endpoints: Record<string, Endpoint>;
  /** Rules by key, in document order. */
  rules: Record<string, Rule>;
  /** Top-level members the editor does not know, kept as they were. */
  extra: Record<string, unknown>;
}

/** Where a JSON Pointer from the validator or the explain trace lands in the graph. */
export interface Target {
  /** React Flow node id: a rule or endpoint key, or `start`. */
  node: string;
  /** Branch index within a rule, when the pointer names one. */
  branch?: number;
  /** Field name (`Country`, `Value`, `Weight`...), when the pointer names one. */
  field?: string;
}
