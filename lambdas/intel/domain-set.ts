/**
 * An immutable set of domains that matches a name or any of its parents: entry `evil.com` matches
 * `evil.com`, `a.evil.com` and `a.b.evil.com`, but not `notevil.com`.
 *
 * Resolver logs carry a query name for every DNS lookup, so matching must not allocate: the name is read
 * right to left in place, a hash of each suffix that starts at a label boundary is looked up in an
 * open-addressing table of typed arrays, and a hit is confirmed by comparing characters in place. Case is
 * folded for ASCII letters only, as DNS does (RFC 4343); internationalised names are compared as written
 * (resolver logs show them as `xn--` A-labels, and so should lists).
 *
 * @example
 * const set = DomainSet.from(['evil.com', 'c2.example.net.']);
 * set.find('A.B.Evil.COM.') // 'evil.com'
 * set.has('notevil.com')    // false
 */
import { IntelEntryError } from './errors';

const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function foldAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * The canonical form of a domain entry: ASCII lower-cased, one trailing dot and a leading `*.` wildcard
 * removed (a wildcard means "the subdomains", which parent matching already covers).
 *
 * @returns undefined when the text is not a domain name: empty labels, a label over 63 or a name over 253
 *   characters, characters other than letters, digits, `-`, `_` and non-ASCII, or an all-numeric last label
 *   (which is a mistyped IP address, not a name).
 * @example normalizeDomain('*.Evil.COM.') // 'evil.com'
 */
export function normalizeDomain(text: string): string | undefined {
  let start = 0;
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 46) end--;
  if (end - start > 2 && text.charCodeAt(0) === 42 && text.charCodeAt(1) === 46) start = 2;
  if (end <= start || end - start > MAX_DOMAIN_LENGTH) return undefined;
  let labelLength = 0;
  let labelAllDigits = true;
  let needsFolding = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (labelLength === 0) return undefined;
      labelLength = 0;
      labelAllDigits = true;
      continue;
    }
    const isDigit = c >= 48 && c <= 57;
    const isLower = c >= 97 && c <= 122;
    const isUpper = c >= 65 && c <= 90;
    if (!(isDigit || isLower || isUpper || c === 45 || c === 95 || c >= 0x80)) return undefined;
    if (isUpper) needsFolding = true;
    if (!isDigit) labelAllDigits = false;
    if (++labelLength > MAX_LABEL_LENGTH) return undefined;
  }
  if (labelLength === 0 || labelAllDigits) return undefined;
  const name = text.slice(start, end);
  return needsFolding ? name.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : name;
}

/** Collects entries for a {@link DomainSet}. */
export class DomainSetBuilder {
  private readonly names: string[] = [];
  private readonly seen = new Set<string>();

  /**
   * Adds a domain (normalized with {@link normalizeDomain}); a duplicate is ignored, the first one kept.
   * @returns false, adding nothing, when the text is not a domain name.
   */
  add(entry: string): boolean {
    const name = normalizeDomain(entry.trim());
    if (name === undefined) return false;
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.names.push(name);
    }
    return true;
  }

  get size(): number {
    return this.names.length;
  }

  build(): DomainSet {
    return new DomainSet(this.names.slice());
  }
}

/** Spreads the incremental FNV hash over all bits before it picks a slot (murmur3's finalizer). */
function slotHash(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function hasBit(mask: Uint32Array, bit: number): boolean {
  return (mask[bit >>> 5]! & (1 << (bit & 31))) !== 0;
}

function setBit(mask: Uint32Array, bit: number): void {
  mask[bit >>> 5]! |= 1 << (bit & 31);
}

const MAX_LABELS = 127;

/** Immutable set of domains matched with their subdomains; see the module comment. */
export class DomainSet {
  /** Open addressing, two words per slot: the entry's mixed hash, then its index (-1 when empty). */
  private readonly table: Int32Array;
  private readonly mask: number;
  /**
   * Which label counts and which lengths entries have. A suffix of the query whose count or length no entry
   * has is not looked up: most suffixes of a long name are skipped without touching the table.
   */
  private readonly labelCounts = new Uint32Array(4);
  private readonly lengths = new Uint32Array(8);

  /** @internal Use {@link DomainSet.from} or {@link DomainSetBuilder}; `names` must be normalized and distinct. */
  constructor(private readonly names: readonly string[]) {
    let capacity = 8;
    while (capacity < names.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.table = new Int32Array(capacity * 2);
    for (let slot = 0; slot < capacity; slot++) this.table[2 * slot + 1] = -1;
    names.forEach((name, index) => {
      const hash = slotHash(DomainSet.hashOf(name));
      let slot = hash & this.mask;
      while (this.table[2 * slot + 1] !== -1) slot = (slot + 1) & this.mask;
      this.table[2 * slot] = hash;
      this.table[2 * slot + 1] = index;
      let labels = 1;
      for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 46) labels++;
      setBit(this.labelCounts, Math.min(labels, MAX_LABELS));
      setBit(this.lengths, name.length);
    });
  }

  /**
   * Builds a set from domain names.
   * @throws IntelEntryError on the first entry that is not a domain name.
   */
  static from(entries: Iterable<string>): DomainSet {
    const builder = new DomainSetBuilder();
    for (const entry of entries) {
      if (!builder.add(entry)) throw new IntelEntryError(`not a domain name: ${JSON.stringify(entry)}`, entry);
    }
    return builder.build();
  }

  /** The same right-to-left hash that lookups compute incrementally over a query's suffixes. */
  private static hashOf(name: string): number {
    let hash = FNV_OFFSET;
    for (let i = name.length - 1; i >= 0; i--) hash = Math.imul(hash ^ foldAscii(name.charCodeAt(i)), FNV_PRIME);
    return hash;
  }

  /** Number of distinct entries. */
  get size(): number {
    return this.names.length;
  }

  /** The entry at an index returned by {@link indexOf}. */
  entry(index: number): string | undefined {
    return this.names[index];
  }

  /** Whether the name or one of its parents is an entry. */
  has(name: string): boolean {
    return this.walk(name, undefined, false) > 0;
  }

  /** The most specific entry that is the name or one of its parents; undefined when none. */
  find(name: string): string | undefined {
    const index = this.indexOf(name);
    return index < 0 ? undefined : this.names[index];
  }

  /** Index of the most specific matching entry, or -1. */
  indexOf(name: string): number {
    const count = this.walk(name, SCRATCH_MATCHES, true);
    return count === 0 ? -1 : SCRATCH_MATCHES[count - 1]!;
  }

  /**
   * Writes the indexes of every entry that is the name or a parent of it into `out`, least specific first,
   * without allocating; stops when `out` is full (128 slots hold every parent of the longest DNS name).
   * @returns how many were written.
   */
  collectMatches(name: string, out: Int32Array): number {
    return this.walk(name, out, true);
  }

  /**
   * Reads the name right to left, hashing as it goes, and looks up each suffix that starts a label (and whose
   * label count and length some entry has). Writes matches to `out` when given.
   * @returns the number of matches (at most 1 when `all` is false).
   */
  private walk(name: string, out: Int32Array | undefined, all: boolean): number {
    if (this.names.length === 0) return 0;
    let end = name.length;
    if (end > 0 && name.charCodeAt(end - 1) === 46) end--;
    let count = 0;
    let labels = 1;
    let hash = FNV_OFFSET;
    const limit = out === undefined ? 1 : out.length;
    for (let i = end - 1; i >= 0; i--) {
      const c = name.charCodeAt(i);
      hash = Math.imul(hash ^ foldAscii(c), FNV_PRIME);
      if (c === 46) labels++;
      if (i > 0 && name.charCodeAt(i - 1) !== 46) continue;
      if (!hasBit(this.labelCounts, Math.min(labels, MAX_LABELS)) || end - i > 255 || !hasBit(this.lengths, end - i)) continue;
      const index = this.probe(slotHash(hash), name, i, end);
      if (index < 0) continue;
      if (out !== undefined) out[count] = index;
      count++;
      if (!all || count === limit) return count;
    }
    return count;
  }

  private probe(hash: number, name: string, start: number, end: number): number {
    const { table, mask } = this;
    let slot = hash & mask;
    for (;;) {
      const index = table[2 * slot + 1]!;
      if (index < 0) return -1;
      if (table[2 * slot] === hash && this.equalsSlice(this.names[index]!, name, start, end)) return index;
      slot = (slot + 1) & mask;
    }
  }

  private equalsSlice(entry: string, name: string, start: number, end: number): boolean {
    if (entry.length !== end - start) return false;
    for (let k = 0; k < entry.length; k++) {
      if (entry.charCodeAt(k) !== foldAscii(name.charCodeAt(start + k))) return false;
    }
    return true;
  }
}

/** Matches of one walk, for {@link DomainSet.indexOf}; safe to share because walks do not re-enter. */
const SCRATCH_MATCHES = new Int32Array(128);
