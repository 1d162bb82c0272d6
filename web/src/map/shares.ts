// How a region's answer is split between endpoints. When a policy draws at random (weighted
// rules, multivalue answers of more than eight values), the server evaluates each location many
// times and reports, per endpoint, the fraction of answers that held it. The map, the legend
// and the version diff read those fractions through the helpers here, by endpoint id (indices
// differ between documents).

import type { Coverage, CoverageRegion } from '../api';

/** A region is answered by one endpoint when that endpoint holds at least this share. */
export const SINGLE_SHARE = 0.95;

/** Two answers differ when the distance between their shares (see `shareDistance`) exceeds this. */
export const CHANGE_DISTANCE = 0.1;

const EPSILON = 1e-9;

/** One endpoint's share of a region's answers. */
export interface IdShare {
  /** Endpoint id. */
  id: string;
  /** Index of the first endpoint with this id in `coverage.endpoints`. */
  index: number;
  /** Fraction of the answers that held the endpoint, in 0..1. */
  share: number;
}

/** Whether the region gets an answer at all. */
export function isAnswered(c: Coverage, r: CoverageRegion | undefined): boolean {
  return !!r && r.endpoint !== null && r.endpoint !== undefined && c.endpoints[r.endpoint] !== undefined;
}

/**
 * The region's shares by endpoint id, largest first (then by id); empty when the region gets
 * no answer. Entries that name no endpoint or are not positive finite fractions are ignored;
 * an answered region without usable shares counts as its dominant endpoint at 100%.
 */
export function sharesById(c: Coverage, r: CoverageRegion | undefined): IdShare[] {
  if (!r || !isAnswered(c, r)) return [];
  const byId = new Map<string, IdShare>();
  for (const entry of r.shares ?? []) {
    const [index, fraction] = entry;
    const e = c.endpoints[index];
    if (!e || !Number.isFinite(fraction) || fraction <= 0) continue;
    const hit = byId.get(e.id);
    if (hit) hit.share = Math.min(1, hit.share + fraction);
    else byId.set(e.id, { id: e.id, index, share: Math.min(1, fraction) });
  }
  if (byId.size === 0) {
    const index = r.endpoint!;
    return [{ id: c.endpoints[index].id, index, share: 1 }];
  }
  return [...byId.values()].sort((a, b) => b.share - a.share || compareIds(a.id, b.id));
}

/**
 * Whether the answer is split: not one endpoint at `SINGLE_SHARE` or more with the others
 * holding the rest at most. For a weighted rule (shares summing to 1) this is "the top share
 * is below 95%"; for a multivalue answer that holds several endpoints every time (shares summing
 * to more than 1) it is split as well, since each of those endpoints serves the region.
 */
export function isSplit(shares: readonly IdShare[]): boolean {
  if (shares.length === 0) return false;
  const rest = shares.slice(1).reduce((s, x) => s + x.share, 0);
  return shares[0].share < SINGLE_SHARE - EPSILON || rest > 1 - SINGLE_SHARE + EPSILON;
}

/**
 * The distance between two answers' shares, matched by endpoint id: half the sum of the absolute
 * differences. When both sum to 1 (weighted rules) this is the total-variation distance between
 * the two distributions: 0 for the same answer, 1 for answers with no endpoint in common.
 */
export function shareDistance(a: readonly IdShare[], b: readonly IdShare[]): number {
  const diff = new Map<string, number>();
  for (const x of a) diff.set(x.id, (diff.get(x.id) ?? 0) + x.share);
  for (const x of b) diff.set(x.id, (diff.get(x.id) ?? 0) - x.share);
  let sum = 0;
  for (const d of diff.values()) sum += Math.abs(d);
  return sum / 2;
}

/** Whether two answers differ by more than `CHANGE_DISTANCE` (see `shareDistance`). */
export function sharesDiffer(a: readonly IdShare[], b: readonly IdShare[]): boolean {
  return shareDistance(a, b) > CHANGE_DISTANCE + EPSILON;
}

/** `50%`, `48.4%`: a fraction as a percentage with at most one decimal. */
export function percent(f: number): string {
  return `${Math.round(f * 1000) / 10}%`;
}

/**
 * Text for a table cell: `endpoint_1` when one endpoint answers (see `isSplit`), else every
 * endpoint with its share, `endpoint_2 50% · endpoint_3 50%`; null when there is no answer.
 */
export function describeShares(shares: readonly IdShare[]): string | null {
  if (shares.length === 0) return null;
  if (!isSplit(shares)) return shares[0].id;
  return shares.map((s) => `${s.id} ${percent(s.share)}`).join(' · ');
}

/** `endpoint_2:0.5,endpoint_3:0.5`: ids sorted, shares rounded to two decimals (for attributes). */
export function sharesAttribute(shares: readonly IdShare[]): string {
  return [...shares]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((s) => `${s.id}:${Math.round(s.share * 100) / 100}`)
    .join(',');
}

/** Plain code-unit order, the same in every locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
