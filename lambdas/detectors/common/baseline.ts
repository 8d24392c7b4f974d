/**
 * Learned per-instance profiles ("baselines") on the engine's State port.
 *
 * The State port only merges deltas (counters add, sets union, min/max) and hands back totals after each
 * batch; a detector never reads state while it looks at a record. Three techniques turn that into "has
 * this instance done X before, and has it been watched long enough to say?":
 *
 * 1. **Two overlapping epochs.** Time is cut into epochs of one learning period. A record of epoch E is
 *    added to the profile keys of E and E+1, and decisions in epoch E read key E, which therefore holds the
 *    last one to two learning periods: "recent history" in GuardDuty's words. A key expires when its epoch
 *    ends, so a profile is at most two keys per instance, whatever the traffic.
 * 2. **Before = total − batch.** A counter's value before this batch is its merged total minus what this
 *    batch added, so "seen before" is exact and does not depend on how records were split into batches.
 * 3. **Membership sketches.** Items (remote ports, resolver addresses) are not stored by name, which would
 *    let one scanning instance grow its profile without bound. Each item sets two of 4096 counters chosen
 *    by hashing it (a counting Bloom filter): an item is known when both of its counters were non-zero
 *    before the batch. For an instance with 50 known items the chance that a new item looks known is about
 *    0.06%; the profile can never exceed 4096 counters per kind. An instance that touches thousands of
 *    items (a scanner) saturates its sketch and stops raising "unusual" findings — the scan itself is what
 *    the scan detectors report.
 *
 * `min.since` (the earliest record in the key) tells how long the instance has been watched: decisions
 * wait until a full learning period of event time has passed.
 */
import type { StateValue } from '../../engine/state';

export const DAY_MS = 86_400_000;

/** Bits per sketch bucket index: 4096 counters per item kind. */
const BUCKET_BITS = 12;
const BUCKETS = 1 << BUCKET_BITS;
const BUCKET_MASK = BUCKETS - 1;

/** Epoch arithmetic of a profile whose learning period is `periodMs`. */
export interface ProfileEpoch {
  readonly epoch: number;
  /** Key suffix of the epoch's own key and of the next epoch's key. */
  readonly key: string;
  readonly nextKey: string;
  /** State expiry (event time) of the two keys: each lives until its epoch ends, plus an hour of grace. */
  readonly expiresAt: number;
  readonly nextExpiresAt: number;
}

const GRACE_MS = 3_600_000;

/** The epoch of `time` for a profile of `subject` (an instance key). */
export function profileEpoch(subject: string, time: number, periodMs: number): ProfileEpoch {
  const epoch = Math.floor(time / periodMs);
  return {
    epoch,
    key: `${subject}|${epoch}`,
    nextKey: `${subject}|${epoch + 1}`,
    expiresAt: (epoch + 1) * periodMs + GRACE_MS,
    nextExpiresAt: (epoch + 2) * periodMs + GRACE_MS,
  };
}

/** The epoch a profile key (as built by {@link profileEpoch}) belongs to. */
export function epochOfKey(key: string): number {
  return Number(key.slice(key.lastIndexOf('|') + 1));
}

/** A counter's value before this batch (see the module comment). */
export function before(total: StateValue, batch: StateValue, name: string): number {
  return (total.counters[name] ?? 0) - (batch.counters[name] ?? 0);
}

/** A set of items learned per profile, stored as two hashed counters per item (see the module comment). */
export class MembershipSketch {
  private readonly names: string[];

  /** @param prefix distinguishes this kind's counters from the other kinds' in the same profile key. */
  constructor(private readonly prefix: string) {
    this.names = new Array<string>(BUCKETS);
  }

  /** The two counter names of a numeric item (e.g. protocol × 65536 + port). */
  countersOfNumber(item: number): readonly [string, string] {
    return this.countersOfHash(mix(item));
  }

  /** The two counter names of a text item (e.g. an address). */
  countersOfText(item: string): readonly [string, string] {
    return this.countersOfHash(mix(fnv1a(item)));
  }

  /** Whether the item (given by its two counters) was in the profile before this batch. */
  static knownBefore(total: StateValue, batch: StateValue, counters: readonly [string, string]): boolean {
    return before(total, batch, counters[0]) > 0 && before(total, batch, counters[1]) > 0;
  }

  private countersOfHash(hash: number): [string, string] {
    return [this.name(hash & BUCKET_MASK), this.name((hash >>> BUCKET_BITS) & BUCKET_MASK)];
  }

  private name(bucket: number): string {
    return (this.names[bucket] ??= `${this.prefix}${bucket}`);
  }
}

/** Murmur3's 32-bit finaliser: spreads nearby inputs (consecutive ports) over all buckets. */
function mix(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Log2 buckets of a magnitude: a bounded histogram of volumes (bin b holds [2^b, 2^(b+1))). */
export class MagnitudeHistogram {
  static readonly BINS = 48;
  private readonly names: string[];

  constructor(private readonly prefix: string) {
    this.names = Array.from({ length: MagnitudeHistogram.BINS }, (_, b) => `${prefix}${b}`);
  }

  /** The counter name of the bin holding `value` (≥ 1). */
  counterOf(value: number): string {
    return this.names[MagnitudeHistogram.binOf(value)]!;
  }

  static binOf(value: number): number {
    return value < 1 ? 0 : Math.min(MagnitudeHistogram.BINS - 1, Math.floor(Math.log2(value)));
  }

  /** The upper bound (exclusive) of the highest bin populated before this batch, or 0 if none. */
  maxBefore(total: StateValue, batch: StateValue): number {
    for (let b = MagnitudeHistogram.BINS - 1; b >= 0; b--) if (before(total, batch, this.names[b]!) > 0) return 2 ** (b + 1);
    return 0;
  }
}
