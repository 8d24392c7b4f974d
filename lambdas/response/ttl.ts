/**
 * How long a block lasts. The first finding sets the block's lifetime by its severity; every later finding
 * for the same address and target extends it (a block is never shortened), up to a ceiling counted from
 * when the block was first made, so a persistent attacker stays blocked and a one-off scan is forgotten.
 */
import { severityLevel } from '../engine/finding';
import type { TtlBySeverity } from './config';

/**
 * The lifetime (ms) a finding of this severity gives a block.
 * @example ttlFor(8.0, { low: 3_600_000, medium: 21_600_000, high: 86_400_000, critical: 604_800_000 }) // 86_400_000
 */
export function ttlFor(severity: number, ttl: TtlBySeverity): number {
  switch (severityLevel(severity)) {
    case 'Critical':
      return ttl.critical;
    case 'High':
      return ttl.high;
    case 'Medium':
      return ttl.medium;
    default:
      return ttl.low;
  }
}

/**
 * The expiry of a block when a finding asks for it at `now` with lifetime `ttlMs`.
 * For a new block (`createdAt === now`, no `currentExpiry`) that is `now + ttl`; for an existing one the
 * later of its current expiry and `now + ttl`, capped at `createdAt + maxDuration`, and never earlier than
 * the current expiry (a cap lowered in configuration does not cut blocks short).
 *
 * @example
 * blockExpiry({ now: 10, ttlMs: 5, createdAt: 0, currentExpiry: 12, maxDuration: 100 }) // 15
 */
export function blockExpiry(args: {
  readonly now: number;
  readonly ttlMs: number;
  readonly createdAt: number;
  readonly currentExpiry?: number;
  readonly maxDuration: number;
}): number {
  const wanted = args.now + args.ttlMs;
  const ceiling = args.createdAt + args.maxDuration;
  const current = args.currentExpiry ?? -Infinity;
  return Math.max(current, Math.min(wanted, ceiling));
}
