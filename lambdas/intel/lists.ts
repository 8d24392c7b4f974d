/**
 * Threat and trusted list files → entries and issues.
 *
 * Formats: GuardDuty's `TXT`, `STIX` (2.x JSON) and `OTX_CSV`, plus the Tor Project's exit-address list. The
 * format is detected from the content unless given. A bad line, row or indicator is never fatal: it becomes a
 * located {@link ListIssue} (counted, with its line or object index and a reason) and the rest of the file is
 * kept. Only a file that is unusable as a whole throws {@link IntelFormatError}: binary or compressed bytes,
 * broken JSON, an OTX CSV without its header, or text in which no record at all is usable (typically an
 * HTML error page saved in place of the list).
 *
 * @example
 * const list = parseList('198.51.100.7\n203.0.113.0/24\nnot an entry\nevil.example\n');
 * list.format   // 'txt'
 * list.ips      // ['198.51.100.7', '203.0.113.0/24']
 * list.domains  // ['evil.example']
 * list.issues   // [{ reason: 'invalid-entry', line: 3, message: '…', excerpt: 'not an entry' }]
 */
import { IntelConfigError, IntelFormatError } from './errors';
import { DEFAULT_MAX_ISSUES, ListCollector, type ListIssue } from './formats/common';
import { isOtxCsvHeader, readOtxCsv } from './formats/otx-csv';
import { readStixBundle } from './formats/stix';
import { readTorExitList } from './formats/tor-exit';
import { readTxtList } from './formats/txt';

export { LIST_ISSUE_REASONS, type ListIssue, type ListIssueReason } from './formats/common';

/** The list formats Vigil reads. */
export type ListFormat = 'txt' | 'tor-exit' | 'stix' | 'otx-csv';

/** Every {@link ListFormat}, for help texts and validation. */
export const LIST_FORMATS: readonly ListFormat[] = ['txt', 'tor-exit', 'stix', 'otx-csv'];

/** GuardDuty's format names (ThreatIntelSetFormat / IpSetFormat) that Vigil reads, and their Vigil names. */
const FORMAT_ALIASES: Readonly<Record<string, ListFormat>> = {
  txt: 'txt',
  stix: 'stix',
  otx_csv: 'otx-csv',
  'otx-csv': 'otx-csv',
  'tor-exit': 'tor-exit',
  tor: 'tor-exit',
};

/**
 * Reads a format name as written in configuration: Vigil's (`otx-csv`) or GuardDuty's (`OTX_CSV`), any case.
 * @throws IntelConfigError for a format Vigil does not read (including GuardDuty's `ALIEN_VAULT`,
 *   `PROOF_POINT` and `FIRE_EYE`).
 */
export function listFormatFromName(name: string): ListFormat {
  const format = FORMAT_ALIASES[name.trim().toLowerCase()];
  if (format === undefined) {
    throw new IntelConfigError(`unsupported list format ${JSON.stringify(name)}; expected one of ${LIST_FORMATS.join(', ')} (or TXT, STIX, OTX_CSV)`);
  }
  return format;
}

/** Options of {@link parseList}. */
export interface ParseListOptions {
  /** Skip detection and read the text as this format. */
  readonly format?: ListFormat;
  /** Event time (ms) at which the list is used; STIX indicators expired by then are ignored. */
  readonly asOf?: number;
  /**
   * Issues kept in detail (all are counted).
   * @default 1000
   */
  readonly maxIssues?: number;
  /** The list's name, carried into errors. */
  readonly name?: string;
}

/** What a list file yielded. */
export interface ParsedList {
  readonly format: ListFormat;
  /** IP addresses and CIDR blocks, as written (trimmed), in file order; repeats are kept. */
  readonly ips: readonly string[];
  /** Domains, normalized (lower case, no trailing dot), in file order; repeats are kept. */
  readonly domains: readonly string[];
  /** The first `maxIssues` issues, in file order. */
  readonly issues: readonly ListIssue[];
  /** All issues. */
  readonly issueCount: number;
  /** Valid records with nothing to match on (file hashes, URLs, revoked or expired indicators). */
  readonly ignored: number;
}

const SAMPLE_LENGTH = 1024;

/** Compressed or binary content read as text: gzip or zip magic, NUL bytes, or decoding replacement chars. */
function looksBinary(sample: string): boolean {
  return sample.startsWith('\u001f\u008b') || sample.startsWith('\u001f\ufffd') || sample.startsWith('PK\u0003\u0004') || sample.includes('\u0000');
}

function firstMeaningfulLine(input: string | readonly string[]): string {
  if (typeof input !== 'string') {
    for (const line of input) if (line.trim() !== '') return line.replace(/^\ufeff/, '').trim();
    return '';
  }
  const match = /^[\ufeff\s]*([^\r\n]*)/.exec(input.slice(0, SAMPLE_LENGTH * 4));
  return (match?.[1] ?? '').trim();
}

/**
 * The format of a list, from its first meaningful line: JSON → STIX; `@type tordnsel`, `ExitNode` or
 * `ExitAddress` → Tor exit list; an `Indicator type,…` header → OTX CSV; anything else → TXT.
 * @throws IntelFormatError when the content is binary or compressed.
 */
export function detectListFormat(input: string | readonly string[]): ListFormat {
  const sample = typeof input === 'string' ? input.slice(0, SAMPLE_LENGTH) : input.slice(0, 8).join('\n').slice(0, SAMPLE_LENGTH);
  if (looksBinary(sample)) {
    throw new IntelFormatError('the list is binary or compressed, not text (decompress .gz lists before loading)');
  }
  const first = firstMeaningfulLine(input);
  if (first.startsWith('{') || first.startsWith('[')) return 'stix';
  if (/^(@type\s+tordnsel|ExitNode\s|ExitAddress\s)/.test(first)) return 'tor-exit';
  if (isOtxCsvHeader(first)) return 'otx-csv';
  return 'txt';
}

/**
 * Parses a list file given as text or as lines.
 * @throws IntelFormatError when the file is unusable as a whole (see the module comment).
 */
export function parseList(input: string | Iterable<string>, options: ParseListOptions = {}): ParsedList {
  const materialized: string | readonly string[] = typeof input === 'string' || Array.isArray(input) ? (input as string | readonly string[]) : [...input];
  const format = options.format ?? withListName(options.name, () => detectListFormat(materialized));
  const collector = new ListCollector(options.maxIssues ?? DEFAULT_MAX_ISSUES);
  withListName(options.name, () => {
    switch (format) {
      case 'txt':
        return readTxtList(materialized, collector);
      case 'tor-exit':
        return readTorExitList(materialized, collector);
      case 'otx-csv':
        return readOtxCsv(materialized, collector);
      case 'stix':
        return readStixBundle(typeof materialized === 'string' ? materialized : materialized.join('\n'), collector, options);
    }
  });
  if (collector.entryCount === 0 && collector.ignored === 0 && collector.issueCount > 0) {
    const first = collector.issues[0]!;
    const where = first.line !== undefined ? `line ${first.line}` : `object ${first.index ?? 0}`;
    throw new IntelFormatError(
      `no usable entry in the ${format} list: all ${collector.issueCount} records were rejected (first at ${where}: ${first.message}); is it the right file and format?`,
      { format, ...(options.name === undefined ? {} : { listName: options.name }) },
    );
  }
  return {
    format,
    ips: collector.ips,
    domains: collector.domains,
    issues: collector.issues,
    issueCount: collector.issueCount,
    ignored: collector.ignored,
  };
}

/** Runs `read`, naming the list in any format error it throws. */
function withListName<T>(name: string | undefined, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof IntelFormatError && name !== undefined && error.listName === undefined) {
      throw new IntelFormatError(`list ${JSON.stringify(name)}: ${error.message}`, { cause: error, listName: name, format: error.format });
    }
    throw error;
  }
}
