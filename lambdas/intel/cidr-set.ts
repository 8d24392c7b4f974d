/**
 * An immutable set of IPv4 and IPv6 addresses and CIDR blocks, built once and matched fast.
 *
 * Building flattens the entries into an {@link AddressPartition}: sorted segment starts in typed arrays and,
 * per segment, the index of the most specific entry covering it, or -1. A lookup is one (bucketed) binary
 * search with no allocation, whatever the number of entries and however they nest; answering "which entry"
 * costs nothing more than answering "whether".
 *
 * CIDR blocks are either nested or disjoint, never partly overlapping, so a single sweep over the entries
 * sorted by (first address, prefix length) with a stack of open blocks yields the partition: the top of the
 * stack is always the most specific block covering the sweep position.
 *
 * IPv4-mapped IPv6 queries and entries inside `::ffff:0:0/96` are IPv4. An IPv6 block shorter than /96 that
 * happens to contain the mapped space (`::/0`) is an IPv6 entry and does not match IPv4 addresses, as a WAF
 * IPv6 set would not.
 *
 * @example
 * const set = CidrSet.from(['198.51.100.0/24', '198.51.100.7', '2001:db8::/32']);
 * set.has('198.51.100.9')    // true
 * set.find('198.51.100.7')   // '198.51.100.7' (the most specific entry)
 * set.find('::ffff:198.51.100.9') // '198.51.100.0/24' (IPv4-mapped IPv6 is IPv4)
 * set.find('192.0.2.1')      // undefined
 */
import { parseCidr, parsePrefix, wordMask, type IpRange } from './cidr';
import { AddressPartition, compareKeys, SegmentWriter, type Segments } from './address-partition';
import { IntelEntryError } from './errors';
import { parseIpv4 } from './ip';

/** Ranges of one family collected before the sweep, in growable typed arrays. */
class RangeBuffer {
  firsts: Uint32Array;
  lasts: Uint32Array;
  prefixes: Uint8Array;
  entries: Int32Array;
  length = 0;

  constructor(readonly words: 1 | 4) {
    this.firsts = new Uint32Array(64 * words);
    this.lasts = new Uint32Array(64 * words);
    this.prefixes = new Uint8Array(64);
    this.entries = new Int32Array(64);
  }

  push(first: ArrayLike<number>, last: ArrayLike<number>, prefix: number, entry: number): void {
    if (this.length === this.prefixes.length) this.grow();
    const at = this.length * this.words;
    for (let k = 0; k < this.words; k++) {
      this.firsts[at + k] = first[k]!;
      this.lasts[at + k] = last[k]!;
    }
    this.prefixes[this.length] = prefix;
    this.entries[this.length] = entry;
    this.length++;
  }

  /** {@link push} for one-word (IPv4) keys. */
  pushWord(first: number, last: number, prefix: number, entry: number): void {
    if (this.length === this.prefixes.length) this.grow();
    this.firsts[this.length] = first;
    this.lasts[this.length] = last;
    this.prefixes[this.length] = prefix;
    this.entries[this.length] = entry;
    this.length++;
  }

  private grow(): void {
    const capacity = this.prefixes.length * 2;
    const firsts = new Uint32Array(capacity * this.words);
    firsts.set(this.firsts);
    this.firsts = firsts;
    const lasts = new Uint32Array(capacity * this.words);
    lasts.set(this.lasts);
    this.lasts = lasts;
    const prefixes = new Uint8Array(capacity);
    prefixes.set(this.prefixes);
    this.prefixes = prefixes;
    const entries = new Int32Array(capacity);
    entries.set(this.entries);
    this.entries = entries;
  }
}

function isAllOnes(a: Uint32Array, at: number, words: number): boolean {
  for (let k = 0; k < words; k++) if (a[at + k] !== 0xffffffff) return false;
  return true;
}

/** Writes `a[at…] + 1` into `out`; the caller has checked that it does not overflow. */
function increment(a: Uint32Array, at: number, words: number, out: Uint32Array): void {
  let carry = 1;
  for (let k = words - 1; k >= 0; k--) {
    const sum = a[at + k]! + carry;
    out[k] = sum >>> 0;
    carry = sum > 0xffffffff ? 1 : 0;
  }
}

function sweep(ranges: RangeBuffer): Segments {
  const { words, firsts, lasts, prefixes, entries } = ranges;
  const order: number[] = new Array<number>(ranges.length);
  for (let i = 0; i < ranges.length; i++) order[i] = i;
  // Among identical blocks the first one added wins: ties fall back to insertion order.
  if (words === 1) {
    // One float per range (first address × 64 + prefix, exact below 2^53) makes the comparator a subtraction.
    const keys = new Float64Array(ranges.length);
    for (let i = 0; i < ranges.length; i++) keys[i] = firsts[i]! * 64 + prefixes[i]!;
    order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  } else {
    order.sort((a, b) => compareKeys(firsts, a * words, firsts, b * words, words) || prefixes[a]! - prefixes[b]! || a - b);
  }

  const writer = new SegmentWriter(words, 2 * ranges.length + 1);
  writer.emit(new Uint32Array(words), 0, -1);
  const stack: number[] = [];
  const boundary = new Uint32Array(words);
  const close = (): void => {
    const closed = stack.pop()!;
    if (isAllOnes(lasts, closed * words, words)) return;
    increment(lasts, closed * words, words, boundary);
    const parent = stack.length > 0 ? entries[stack[stack.length - 1]!]! : -1;
    writer.emit(boundary, 0, parent);
  };

  for (const r of order) {
    while (stack.length > 0 && compareKeys(lasts, stack[stack.length - 1]! * words, firsts, r * words, words) < 0) close();
    const top = stack[stack.length - 1];
    if (top !== undefined && prefixes[top] === prefixes[r] && compareKeys(firsts, top * words, firsts, r * words, words) === 0) continue;
    stack.push(r);
    writer.emit(firsts, r * words, entries[r]!);
  }
  while (stack.length > 0) close();

  return writer.finish();
}

/** Collects entries for a {@link CidrSet}. */
export class CidrSetBuilder {
  private readonly texts: string[] = [];
  private readonly v4 = new RangeBuffer(1);
  private readonly v6 = new RangeBuffer(4);

  /**
   * Adds an address or CIDR block, kept under its text as given (trimmed).
   * @returns false, adding nothing, when the text is neither.
   */
  add(entry: string): boolean {
    const text = entry.trim();
    // IPv4 entries, by far the most common, go straight into the buffer without a range object.
    const slash = text.indexOf('/');
    const address = parseIpv4(text, 0, slash < 0 ? text.length : slash);
    if (address >= 0) {
      const prefix = slash < 0 ? 32 : parsePrefix(text, slash + 1, 32);
      if (prefix < 0) return false;
      const mask = wordMask(prefix);
      const first = (address & mask) >>> 0;
      this.v4.pushWord(first, (first | ~mask) >>> 0, prefix, this.texts.length);
      this.texts.push(text);
      return true;
    }
    const range = parseCidr(text);
    if (range === undefined) return false;
    this.addRange(range, text);
    return true;
  }

  /** Adds an already parsed range under the given entry text. */
  addRange(range: IpRange, text: string): void {
    const index = this.texts.length;
    this.texts.push(text);
    if (range.version === 4) {
      this.v4.pushWord(range.first, range.last, range.prefix, index);
      return;
    }
    this.v6.push(range.first, range.last, range.prefix, index);
  }

  /** Entries added so far. */
  get size(): number {
    return this.texts.length;
  }

  build(): CidrSet {
    return new CidrSet(this.texts.slice(), new AddressPartition(sweep(this.v4), sweep(this.v6)));
  }
}

/** Immutable, CIDR-aware set of IPv4 and IPv6 entries; see the module comment. */
export class CidrSet {
  /** @internal Use {@link CidrSet.from} or {@link CidrSetBuilder}. */
  constructor(
    private readonly texts: readonly string[],
    /** @internal Owners are indexes into the entries. */
    readonly partition: AddressPartition,
  ) {}

  /**
   * Builds a set from addresses and CIDR blocks.
   * @throws IntelEntryError on the first entry that is neither (list loaders validate lines first and
   *   report bad ones as issues; this is for entries that come from code or configuration).
   */
  static from(entries: Iterable<string>): CidrSet {
    const builder = new CidrSetBuilder();
    for (const entry of entries) {
      if (!builder.add(entry)) throw new IntelEntryError(`not an IP address or CIDR block: ${JSON.stringify(entry)}`, entry);
    }
    return builder.build();
  }

  /** Number of entries (as added, duplicates included). */
  get size(): number {
    return this.texts.length;
  }

  /** The entry text at an index returned by the `indexOf…` methods. */
  entry(index: number): string | undefined {
    return this.texts[index];
  }

  /** Whether an entry contains the address. Not an address: false. */
  has(ip: string): boolean {
    return this.partition.ownerOf(ip) >= 0;
  }

  /** The most specific entry containing the address, as it was written in the list; undefined when none. */
  find(ip: string): string | undefined {
    const index = this.partition.ownerOf(ip);
    return index < 0 ? undefined : this.texts[index];
  }

  /** Index of the most specific entry containing the address, or -1 (also for text that is not an address). */
  indexOf(ip: string): number {
    return this.partition.ownerOf(ip);
  }

  /** {@link indexOf} for an IPv4 address already parsed to an unsigned 32-bit number. */
  indexOfIpv4(address: number): number {
    return this.partition.ownerOfIpv4(address);
  }

  /** {@link indexOf} for an IPv6 address already parsed to four words; IPv4-mapped addresses are looked up as IPv4. */
  indexOfIpv6(words: ArrayLike<number>, offset = 0): number {
    return this.partition.ownerOfIpv6(words, offset);
  }
}
