/**
 * What every list format shares: the located issue type, the collector that keeps entries and issues while a
 * file is read, line iteration, and the rule that tells an IP or CIDR entry from a domain entry.
 */
import { parseCidr } from '../cidr';
import { normalizeDomain } from '../domain-set';

/** Why a line, row or object of a list was set aside. Stable strings: they appear in reports. */
export type ListIssueReason =
  /** A value that is not an IP address, CIDR block or domain name (or not the one its record says it is). */
  | 'invalid-entry'
  /** A record whose structure is wrong: missing CSV columns, unterminated quote, STIX object without pattern. */
  | 'malformed-record'
  /** A STIX pattern Vigil cannot turn into list entries without changing its meaning (AND, FOLLOWEDBY, LIKE…). */
  | 'unsupported-pattern'
  /** A line the format does not define (e.g. an unknown keyword in a Tor exit list). */
  | 'unknown-line';

/** Every {@link ListIssueReason}, e.g. to report counts by reason in a fixed order. */
export const LIST_ISSUE_REASONS: readonly ListIssueReason[] = ['invalid-entry', 'malformed-record', 'unsupported-pattern', 'unknown-line'];

/** One record of a list that was set aside, with where it is. */
export interface ListIssue {
  readonly reason: ListIssueReason;
  readonly message: string;
  /** 1-based line of line-oriented formats (TXT, Tor, OTX CSV: the line the record starts on). */
  readonly line?: number;
  /** 0-based position of the object in a STIX bundle's `objects`. */
  readonly index?: number;
  /** A short, printable excerpt of the offending input. */
  readonly excerpt?: string;
}

/** Where an issue is; exactly one of the fields is set by each format. */
export interface IssueLocation {
  readonly line?: number;
  readonly index?: number;
}

/** Default cap on the issues kept in detail; all of them are counted. */
export const DEFAULT_MAX_ISSUES = 1000;
const MAX_EXCERPT = 200;

/** Makes any text safe and short enough to print in a report. */
export function excerptOf(text: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return printable.length > MAX_EXCERPT ? `${printable.slice(0, MAX_EXCERPT - 1)}…` : printable;
}

/**
 * Accumulates what a list yields: IP/CIDR entries, domains, issues and ignored records. Repeated entries are
 * kept as listed (the sets built from them keep the first); removing them here would cost a hash set per
 * list for nothing the lookups need.
 */
export class ListCollector {
  readonly ips: string[] = [];
  readonly domains: string[] = [];
  readonly issues: ListIssue[] = [];
  /** All issues, including those beyond the detail cap. */
  issueCount = 0;
  /** Valid records that carry nothing Vigil matches on (file hashes, URLs, revoked or expired indicators). */
  ignored = 0;

  constructor(private readonly maxIssues = DEFAULT_MAX_ISSUES) {}

  issue(reason: ListIssueReason, message: string, where: IssueLocation, excerpt?: string): void {
    this.issueCount++;
    if (this.issues.length >= this.maxIssues) return;
    this.issues.push({ reason, message, ...where, ...(excerpt === undefined ? {} : { excerpt: excerptOf(excerpt) }) });
  }

  /** Adds an IP or CIDR entry already known to parse. */
  addIp(text: string): void {
    this.ips.push(text);
  }

  /** Adds a domain already normalized. */
  addDomain(name: string): void {
    this.domains.push(name);
  }

  /** Adds a value that must be an IP address or CIDR block; anything else is an `invalid-entry` issue. */
  addIpValue(value: string, where: IssueLocation, excerpt = value): boolean {
    if (parseCidr(value) === undefined) {
      this.issue('invalid-entry', `${describeInvalid(value)} (expected an IP address or CIDR block)`, where, excerpt);
      return false;
    }
    this.addIp(value);
    return true;
  }

  /** Adds a value that must be a domain name; anything else is an `invalid-entry` issue. */
  addDomainValue(value: string, where: IssueLocation, excerpt = value): boolean {
    const name = normalizeDomain(value);
    if (name === undefined) {
      this.issue('invalid-entry', `${describeInvalid(value)} (expected a domain name)`, where, excerpt);
      return false;
    }
    this.addDomain(name);
    return true;
  }

  /**
   * Adds a value of a format that does not say what it holds (TXT): an IP/CIDR if it parses as one, else a
   * domain with at least two labels (a lone word in a list is far more often a stray token than a TLD).
   */
  addUntypedValue(value: string, where: IssueLocation, excerpt = value): boolean {
    if (parseCidr(value) !== undefined) {
      this.addIp(value);
      return true;
    }
    const name = normalizeDomain(value);
    if (name !== undefined && name.includes('.')) {
      this.addDomain(name);
      return true;
    }
    this.issue('invalid-entry', `${describeInvalid(value)} (expected an IP address, CIDR block or domain name)`, where, excerpt);
    return false;
  }

  /** Entries of both kinds. */
  get entryCount(): number {
    return this.ips.length + this.domains.length;
  }
}

/** A reason, in words, why a value is not an entry: the hint an operator needs to fix the list. */
export function describeInvalid(value: string): string {
  const shown = JSON.stringify(excerptOf(value));
  if (value === '') return 'empty value';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `${shown} is a URL; list its host name instead`;
  const slash = value.indexOf('/');
  if (slash >= 0 && parseCidr(value.slice(0, slash)) !== undefined) return `${shown} has an invalid prefix length`;
  if (/^[0-9.]+$/.test(value)) return `${shown} is not a valid IPv4 address`;
  if (value.includes(':') && /^[0-9a-f:.%/]+$/i.test(value)) return `${shown} is not a valid IPv6 address`;
  return `${shown} is not a valid entry`;
}

/** A line of input with its 1-based number. */
export interface NumberedLine {
  readonly text: string;
  readonly line: number;
}

/**
 * The lines of a text (LF or CRLF, a leading byte-order mark dropped) or of already split lines, numbered
 * from 1. Splitting by index keeps large lists from being copied into one array first.
 */
export function* numberedLines(input: string | Iterable<string>): Generator<NumberedLine> {
  let line = 0;
  if (typeof input !== 'string') {
    for (const raw of input) {
      line++;
      let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      yield { text, line };
    }
    return;
  }
  let start = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < input.length) {
    let end = input.indexOf('\n', start);
    if (end < 0) end = input.length;
    line++;
    const stop = end > start && input.charCodeAt(end - 1) === 13 ? end - 1 : end;
    yield { text: input.slice(start, stop), line };
    start = end + 1;
  }
}
