/**
 * A partition of the IPv4 and IPv6 address spaces into segments, each labelled with an owner (an integer,
 * -1 for "nothing"), and the lookup that finds the owner of an address. It is the structure behind
 * {@link CidrSet} (owner = most specific entry) and the registry's cross-list index (owner = the combination
 * of lists and entries that contain the segment).
 *
 * Segment starts live in typed arrays (one word per IPv4 key, four per IPv6 key, big-endian); the owner of
 * an address is that of the last segment starting at or below it, found by binary search. For IPv4, a table
 * of 65,536 /16 buckets narrows the search to the few segments of the address's /16 first, so a lookup in
 * half a million segments touches a handful of neighbouring cache lines instead of twenty scattered ones.
 *
 * Internal to the intel layer.
 */
import { isIpv4MappedWords, parseIpv4, parseIpv6Into } from './ip';

/** One address family's segments: segment `i` covers `[start(i), start(i + 1))` and belongs to `owners[i]`. */
export interface Segments {
  /** 1 for IPv4, 4 for IPv6. */
  readonly words: 1 | 4;
  /** `words` words per segment start. The first segment always starts at address zero. */
  readonly starts: Uint32Array;
  readonly owners: Int32Array;
  readonly count: number;
}

/** Below this many IPv4 segments a plain binary search stays in cache and a bucket table only costs memory. */
const MIN_SEGMENTS_FOR_BUCKETS = 1024;
const BUCKET_COUNT = 0x10000;

/** The segments of a family where no address has an owner. */
export function emptySegments(words: 1 | 4): Segments {
  return { words, starts: new Uint32Array(words), owners: Int32Array.of(-1), count: 1 };
}

/** Orders two `words`-word keys stored in typed arrays: -1, 0 or 1. */
export function compareKeys(a: Uint32Array, aAt: number, b: Uint32Array, bAt: number, words: number): number {
  for (let k = 0; k < words; k++) {
    const x = a[aAt + k]!;
    const y = b[bAt + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Appends segments in address order, merging neighbours with the same owner; several boundaries may fall on
 * one address, and the last owner given for an address wins.
 */
export class SegmentWriter {
  private starts: Uint32Array;
  private owners: Int32Array;
  private count = 0;

  constructor(
    readonly words: 1 | 4,
    expected = 16,
  ) {
    this.starts = new Uint32Array(Math.max(expected, 1) * words);
    this.owners = new Int32Array(Math.max(expected, 1));
  }

  emit(key: Uint32Array, at: number, owner: number): void {
    const { words } = this;
    if (this.count > 0 && compareKeys(this.starts, (this.count - 1) * words, key, at, words) === 0) this.count--;
    if (this.count > 0 && this.owners[this.count - 1] === owner) return;
    if (this.count === this.owners.length) this.grow();
    for (let k = 0; k < words; k++) this.starts[this.count * words + k] = key[at + k]!;
    this.owners[this.count] = owner;
    this.count++;
  }

  finish(): Segments {
    return { words: this.words, starts: this.starts.slice(0, this.count * this.words), owners: this.owners.slice(0, this.count), count: this.count };
  }

  private grow(): void {
    const starts = new Uint32Array(this.starts.length * 2);
    starts.set(this.starts);
    this.starts = starts;
    const owners = new Int32Array(this.owners.length * 2);
    owners.set(this.owners);
    this.owners = owners;
  }
}

/**
 * Overlays several partitions of one family: the result has a boundary wherever any input has one, and each
 * of its segments is owned by `combine(owners)`, where `owners[j]` is the owner of that segment in input `j`.
 * `combine` must return the same number for the same owners (callers intern combinations).
 */
export function overlaySegments(parts: readonly Segments[], words: 1 | 4, combine: (owners: Int32Array) => number): Segments {
  const cursors = new Int32Array(parts.length);
  const current = new Int32Array(parts.length);
  let expected = 1;
  parts.forEach((part, j) => {
    current[j] = part.owners[0]!;
    expected += part.count;
  });
  const writer = new SegmentWriter(words, expected);
  const boundary = new Uint32Array(words);
  writer.emit(boundary, 0, combine(current));
  for (;;) {
    // The next boundary is the smallest next start among the inputs.
    let next = -1;
    for (let j = 0; j < parts.length; j++) {
      const part = parts[j]!;
      const at = cursors[j]! + 1;
      if (at >= part.count) continue;
      if (next < 0 || compareKeys(part.starts, at * words, parts[next]!.starts, (cursors[next]! + 1) * words, words) < 0) next = j;
    }
    if (next < 0) break;
    const nextPart = parts[next]!;
    const boundaryAt = (cursors[next]! + 1) * words;
    for (let k = 0; k < words; k++) boundary[k] = nextPart.starts[boundaryAt + k]!;
    for (let j = 0; j < parts.length; j++) {
      const part = parts[j]!;
      const at = cursors[j]! + 1;
      if (at < part.count && compareKeys(part.starts, at * words, boundary, 0, words) === 0) {
        cursors[j] = at;
        current[j] = part.owners[at]!;
      }
    }
    writer.emit(boundary, 0, combine(current));
  }
  return writer.finish();
}

/**
 * For each /16 `b` (the top 16 bits of an IPv4 address), the segment that contains address `b << 16`; the
 * last slot holds the last segment. The segment of any address in /16 `b` lies between `buckets[b]` and
 * `buckets[b + 1]`.
 */
function bucketIndex(segments: Segments): Uint32Array | undefined {
  if (segments.words !== 1 || segments.count < MIN_SEGMENTS_FOR_BUCKETS) return undefined;
  const { starts, count } = segments;
  const buckets = new Uint32Array(BUCKET_COUNT + 1);
  let segment = 0;
  for (let b = 0; b < BUCKET_COUNT; b++) {
    const address = b * 0x10000;
    while (segment + 1 < count && starts[segment + 1]! <= address) segment++;
    buckets[b] = segment;
  }
  buckets[BUCKET_COUNT] = count - 1;
  return buckets;
}

const SCRATCH_V6 = new Uint32Array(4);

/** Both families' segments, with the lookups. Immutable. */
export class AddressPartition {
  private readonly v4Buckets: Uint32Array | undefined;

  constructor(
    private readonly v4: Segments,
    private readonly v6: Segments,
  ) {
    this.v4Buckets = bucketIndex(v4);
  }

  /** The owner of an address given as text; -1 when none owns it or the text is not an address. */
  ownerOf(ip: string): number {
    const v4 = parseIpv4(ip);
    if (v4 >= 0) return this.ownerOfIpv4(v4);
    if (!parseIpv6Into(ip, SCRATCH_V6)) return -1;
    return this.ownerOfIpv6(SCRATCH_V6);
  }

  ownerOfIpv4(address: number): number {
    const { starts, owners } = this.v4;
    const buckets = this.v4Buckets;
    let lo = 0;
    let hi = this.v4.count - 1;
    if (buckets !== undefined) {
      const bucket = address >>> 16;
      lo = buckets[bucket]!;
      hi = buckets[bucket + 1]!;
    }
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= address) lo = mid;
      else hi = mid - 1;
    }
    return owners[lo]!;
  }

  /** IPv4-mapped addresses are looked up as IPv4. */
  ownerOfIpv6(words: ArrayLike<number>, offset = 0): number {
    if (isIpv4MappedWords(words, offset)) return this.ownerOfIpv4(words[offset + 3]!);
    const { starts, owners } = this.v6;
    const w0 = words[offset]!;
    const w1 = words[offset + 1]!;
    const w2 = words[offset + 2]!;
    const w3 = words[offset + 3]!;
    let lo = 0;
    let hi = this.v6.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const at = mid * 4;
      const s0 = starts[at]!;
      let startIsAtOrBelow: boolean;
      if (s0 !== w0) startIsAtOrBelow = s0 < w0;
      else if (starts[at + 1] !== w1) startIsAtOrBelow = starts[at + 1]! < w1;
      else if (starts[at + 2] !== w2) startIsAtOrBelow = starts[at + 2]! < w2;
      else startIsAtOrBelow = starts[at + 3]! <= w3;
      if (startIsAtOrBelow) lo = mid;
      else hi = mid - 1;
    }
    return owners[lo]!;
  }

  /** The segments of one family, for overlaying partitions. */
  segments(version: 4 | 6): Segments {
    return version === 4 ? this.v4 : this.v6;
  }
}
