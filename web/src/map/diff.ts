// Comparing the coverage of two policy documents (for example two versions of one policy).

import type { Coverage, CoverageRegion } from '../api';
import { compareIds, describeShares, isAnswered, sharesById, sharesDiffer } from './shares';

/**
 * A region whose answer changes between the two coverages: it gains or loses an answer, or its
 * shares by endpoint move by more than `CHANGE_DISTANCE` (see `shareDistance`). A split answer
 * whose dominant endpoint flips between near-equal shares is not a change.
 */
export interface MovedRegion {
  country: string;
  subdivision: string | null;
  name: string;
  /** Dominant endpoint id before, or null for "no answer". */
  from: string | null;
  /** Dominant endpoint id after, or null for "no answer". */
  to: string | null;
  /** The answer before as text (see `describeShares`), or null for "no answer". */
  fromShares: string | null;
  /** The answer after as text (see `describeShares`), or null for "no answer". */
  toShares: string | null;
}

/** One endpoint's share of regions before and after, each in 0..1. */
export interface ShareShift {
  endpoint: string;
  before: number;
  after: number;
}

export interface CoverageDiff {
  moved: MovedRegion[];
  shares: ShareShift[];
}

/** `GB` for a country, `US-CA` for a subdivision: the key used in `data-region` attributes. */
export function regionKey(r: { country: string; subdivision: string | null }): string {
  return r.subdivision ? `${r.country}-${r.subdivision}` : r.country;
}

function dominantId(c: Coverage, r: CoverageRegion | undefined): string | null {
  if (!r || !isAnswered(c, r)) return null;
  return c.endpoints[r.endpoint!].id;
}

/**
 * Each endpoint's share of regions: the sum of its fractions over all regions, divided by the
 * number of regions. Endpoints are identified by id because their indices differ between
 * documents.
 *
 * This weighs every country and every subdivision equally: it is not weighted by population or
 * by query volume, so it predicts how many places move, not how much traffic does.
 */
export function endpointShares(c: Coverage): Map<string, number> {
  const sums = new Map<string, number>();
  for (const e of c.endpoints) if (!sums.has(e.id)) sums.set(e.id, 0);
  const n = c.regions.length;
  if (n === 0) return sums;
  for (const r of c.regions) {
    for (const [idx, fraction] of r.shares) {
      const id = c.endpoints[idx]?.id;
      if (id === undefined || !Number.isFinite(fraction)) continue;
      sums.set(id, (sums.get(id) ?? 0) + fraction);
    }
  }
  for (const [id, s] of sums) sums.set(id, s / n);
  return sums;
}

/**
 * What changes from coverage `a` to coverage `b`: the regions whose answer changes (see
 * `MovedRegion`; a region missing on one side has no answer there; sorted by name), and every endpoint's share of regions before and after (sorted by id; see
 * `endpointShares` for what the share means, the "predicted shift of traffic" when every
 * region counts the same).
 */
export function diffCoverage(a: Coverage, b: Coverage): CoverageDiff {
  const before = new Map(a.regions.map((r) => [regionKey(r), r]));
  const after = new Map(b.regions.map((r) => [regionKey(r), r]));
  const keys = new Set([...before.keys(), ...after.keys()]);
  const moved: MovedRegion[] = [];
  for (const k of keys) {
    const ra = before.get(k);
    const rb = after.get(k);
    const sharesA = sharesById(a, ra);
    const sharesB = sharesById(b, rb);
    const answeredA = sharesA.length > 0;
    const answeredB = sharesB.length > 0;
    if (answeredA === answeredB && (!answeredA || !sharesDiffer(sharesA, sharesB))) continue;
    const r = (rb ?? ra)!;
    moved.push({
      country: r.country,
      subdivision: r.subdivision,
      name: r.name,
      from: dominantId(a, ra),
      to: dominantId(b, rb),
      fromShares: describeShares(sharesA),
      toShares: describeShares(sharesB),
    });
  }
  moved.sort((x, y) => x.name.localeCompare(y.name) || regionKey(x).localeCompare(regionKey(y)));

  const sa = endpointShares(a);
  const sb = endpointShares(b);
  const ids = [...new Set([...sa.keys(), ...sb.keys()])].sort(compareIds);
  const shares = ids.map((endpoint) => ({ endpoint, before: sa.get(endpoint) ?? 0, after: sb.get(endpoint) ?? 0 }));
  return { moved, shares };
}
