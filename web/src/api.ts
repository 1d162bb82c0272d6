// The JSON API client (`/api/v1`), authenticated with the bearer token derived from an access
// key in the browser. The secret never leaves `deriveToken`; only the token is kept, in session
// storage, so closing the tab or signing out forgets it.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

const TOKEN_KEY = 'flowdns.token';

/**
 * `<access key id>.<hex(HMAC-SHA256(secret, "flowdns-bearer-v1:" + access key id))>`.
 *
 * Computed with @noble/hashes rather than WebCrypto: browsers only offer `crypto.subtle` in
 * secure contexts (HTTPS or localhost), and the editor must also work over plain HTTP from
 * another machine.
 */
export function deriveToken(accessKeyId: string, secret: string): string {
  const mac = hmac(sha256, utf8ToBytes(secret), utf8ToBytes(`flowdns-bearer-v1:${accessKeyId}`));
  return `${accessKeyId}.${bytesToHex(mac)}`;
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An error the API answered with (`{error: {code, message}}`), or a network failure. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: (() => void) | null = null;
/** Called when the server refuses the stored token (expired key, server restarted with new keys). */
export function setUnauthorizedHandler(f: (() => void) | null): void {
  onUnauthorized = f;
}

export async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const t = token ?? storedToken();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r: Response;
  try {
    r = await fetch(`/api/v1/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `the flowdns server did not answer (${String(e)})`);
  }
  const text = await r.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(r.status, 'BadResponse', `the server answered ${r.status} with a body that is not JSON`);
  }
  if (!r.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    if (r.status === 403 && token === undefined && onUnauthorized) onUnauthorized();
    throw new ApiError(r.status, err?.code ?? `HTTP${r.status}`, err?.message ?? `HTTP ${r.status}`);
  }
  return json as T;
}

export interface PolicySummary {
  id: string;
  name: string;
  type: string;
  latest_version: number;
  versions: number;
  created_at: string;
}

export interface PolicyVersion {
  id: string;
  name: string;
  version: number;
  type: string;
  comment: string;
  created_at: string;
  document: string;
}

export interface PolicyRecord {
  id: string;
  zone_id: string;
  name: string;
  type: string;
  ttl: number;
  policy_id: string;
  version: number;
  state: string;
  message: string;
  created_at: string;
  updated_at: string;
}

export interface Zone {
  id: string;
  name: string;
  comment: string;
  records: number;
}

export interface Observation {
  at: string;
  healthy: boolean;
  reason: string;
  latency_ms: number;
}

export interface HealthCheck {
  id: string;
  caller_reference: string;
  version: number;
  config: Record<string, unknown>;
  status: string;
  last: Observation | null;
  last_failure: Observation | null;
  transitions: number | null;
  override: { healthy: boolean; reason: string; by?: string; at?: string } | null;
}

export interface Diagnostic {
  pointer: string;
  message: string;
}

export interface Validation {
  valid: boolean;
  record_type: string | null;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface TraceStep {
  depth: number;
  event: string;
  pointer: string;
  detail: string;
}

export interface Explanation {
  client: string;
  location: Record<string, unknown>;
  record_type: string;
  answer: string[];
  endpoints: { id: string; type: string; value: string }[];
  healthy: boolean;
  ecs_scope: number;
  trace: TraceStep[];
}

export interface GeoLocation {
  continent_code: string | null;
  continent_name: string | null;
  country_code: string | null;
  country_name: string | null;
  subdivision_code: string | null;
  subdivision_name: string | null;
}

export interface CoverageRegion {
  country: string;
  subdivision: string | null;
  name: string;
  continent: string;
  endpoint: number | null;
  shares: [number, number][];
  coordinates: [number, number] | null;
}

export interface Coverage {
  record_type: string;
  endpoints: { id: string; value: string; type: string }[];
  regions: CoverageRegion[];
  grid: null | { step: number; lat0: number; lon0: number; rows: number; cols: number; cells: number[] };
  elapsed_ms: number;
}

export interface CoverageRequest {
  document: string;
  unhealthy?: string[];
  unhealthy_targets?: string[];
  rule?: string;
  grid?: { step: number };
  samples?: number;
}

export interface RegionInfo {
  code: string;
  name: string;
  latitude: number;
  longitude: number;
}

export interface Difference {
  pointer: string;
  kind: string;
  before?: unknown;
  after?: unknown;
}

export interface LiveCounters {
  record: string;
  policy_id: string;
  version: number;
  served: boolean;
  endpoints: { id: string; answers: number }[];
  at_ms: number;
}

export const api = {
  policies: () => call<{ policies: PolicySummary[] }>('GET', 'policies').then((r) => r.policies),
  createPolicy: (name: string, document: string, comment: string) =>
    call<PolicyVersion>('POST', 'policies', { name, document, comment }),
  versions: (id: string) => call<{ versions: PolicyVersion[] }>('GET', `policies/${enc(id)}/versions`).then((r) => r.versions),
  version: (id: string, n: number) => call<PolicyVersion>('GET', `policies/${enc(id)}/versions/${n}`),
  createVersion: (id: string, document: string, comment: string) =>
    call<PolicyVersion>('POST', `policies/${enc(id)}/versions`, { document, comment }),
  deleteVersion: (id: string, n: number) => call<unknown>('DELETE', `policies/${enc(id)}/versions/${n}`),
  validate: (document: string) => call<Validation>('POST', 'validate', { document }),
  explain: (document: string, client: string, unhealthy: string[], unhealthy_targets: string[], seed = 1) =>
    call<Explanation>('POST', 'explain', { document, client, unhealthy, unhealthy_targets, seed }),
  coverage: (req: CoverageRequest) => call<Coverage>('POST', 'coverage', req),
  records: () => call<{ records: PolicyRecord[] }>('GET', 'records').then((r) => r.records),
  createRecord: (zone_id: string, name: string, ttl: number, policy_id: string, version: number) =>
    call<PolicyRecord>('POST', 'records', { zone_id, name, ttl, policy_id, version }),
  updateRecord: (id: string, version: number, ttl?: number) =>
    call<PolicyRecord>('PATCH', `records/${enc(id)}`, ttl === undefined ? { version } : { version, ttl }),
  deleteRecord: (id: string) => call<unknown>('DELETE', `records/${enc(id)}`),
  live: (id: string) => call<LiveCounters>('GET', `records/${enc(id)}/live`),
  zones: () => call<{ zones: Zone[] }>('GET', 'zones').then((r) => r.zones),
  healthChecks: () => call<{ health_checks: HealthCheck[] }>('GET', 'health-checks').then((r) => r.health_checks),
  setOverride: (id: string, healthy: boolean, reason: string) =>
    call<unknown>('PUT', `health-checks/${enc(id)}/override`, { healthy, reason }),
  clearOverride: (id: string) => call<unknown>('DELETE', `health-checks/${enc(id)}/override`),
  regions: () => call<{ regions: RegionInfo[]; local_zones: RegionInfo[] }>('GET', 'regions'),
  diff: (id: string, from: number, to: number) =>
    call<{ from: number; to: number; differences: Difference[] }>('GET', `policies/${enc(id)}/diff?from=${from}&to=${to}`),
  geolocations: () => call<{ geolocations: GeoLocation[] }>('GET', 'geolocations').then((r) => r.geolocations),
};

function enc(s: string): string {
  return encodeURIComponent(s);
}
