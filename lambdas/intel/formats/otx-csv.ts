/**
 * AlienVault OTX pulse export (GuardDuty's `OTX_CSV`): RFC 4180 CSV with a header row naming at least the
 * `Indicator type` and `Indicator` columns (exports add `Description`, sometimes more; columns are found by
 * name, in any order).
 *
 * ```
 * Indicator type,Indicator,Description
 * IPv4,198.51.100.7,"C2 server, active since May"
 * CIDR,203.0.113.0/24,
 * hostname,c2.evil.example,
 * FileHash-SHA256,3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea,
 * ```
 *
 * `IPv4`, `IPv6` and `CIDR` rows become address entries, `domain` and `hostname` rows domain entries; OTX's
 * other indicator types (hashes, URLs, e-mail addresses…) are valid rows Vigil has nothing to match with
 * and are counted as ignored. A type OTX does not define is an issue, so a typo does not silently drop rows.
 */
import { IntelFormatError } from '../errors';
import { ListCollector, numberedLines, type NumberedLine } from './common';

const ADDRESS_TYPES = new Set(['ipv4', 'ipv6', 'cidr']);
const DOMAIN_TYPES = new Set(['domain', 'hostname']);
/** OTX indicator types that carry nothing to match network logs against. */
const OTHER_OTX_TYPES = new Set([
  'url',
  'uri',
  'email',
  'filehash-md5',
  'filehash-sha1',
  'filehash-sha256',
  'filehash-pehash',
  'filehash-imphash',
  'filepath',
  'mutex',
  'cve',
  'yara',
  'ja3',
  'osquery',
  'sslcertfingerprint',
  'bitcoinaddress',
]);

/** One CSV record and the line it starts on. */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
  /** The input ended inside a quoted field. */
  readonly unterminated: boolean;
  /** The raw text of the record's first line, for excerpts. */
  readonly text: string;
}

/**
 * Splits lines into RFC 4180 records: fields separated by commas, optionally double-quoted, `""` inside
 * quotes for a quote, and line breaks allowed inside quotes (the record then spans lines).
 */
export function* csvRecords(lines: Iterable<NumberedLine>): Generator<CsvRecord> {
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let startLine = 0;
  let startText = '';
  for (const { text, line } of lines) {
    if (!inQuotes) {
      fields = [];
      field = '';
      startLine = line;
      startText = text;
    } else {
      field += '\n';
    }
    // Slices between delimiters rather than per-character appends: exports run to hundreds of thousands of rows.
    let i = 0;
    while (i < text.length) {
      if (inQuotes) {
        const quote = text.indexOf('"', i);
        if (quote < 0) {
          field += text.slice(i);
          break;
        }
        field += text.slice(i, quote);
        if (text.charCodeAt(quote + 1) === 34) {
          field += '"';
          i = quote + 2;
        } else {
          inQuotes = false;
          i = quote + 1;
        }
        continue;
      }
      const comma = text.indexOf(',', i);
      const stop = comma < 0 ? text.length : comma;
      const quote = text.indexOf('"', i);
      if (quote >= 0 && quote < stop && (field + text.slice(i, quote)).trim() === '') {
        // A quote opens a quoted field only where the field begins (after optional blanks).
        field = '';
        inQuotes = true;
        i = quote + 1;
        continue;
      }
      field += text.slice(i, stop);
      if (comma < 0) break;
      fields.push(field);
      field = '';
      i = comma + 1;
    }
    if (inQuotes) continue;
    // The last field (empty after a trailing comma) ends the record.
    fields.push(field);
    yield { fields, line: startLine, unterminated: false, text: startText };
  }
  if (inQuotes) {
    fields.push(field);
    yield { fields, line: startLine, unterminated: true, text: startText };
  }
}

function headerName(field: string): string {
  return field.trim().toLowerCase();
}

/** Whether a first line is an OTX CSV header: it names both the `Indicator type` and `Indicator` columns. */
export function isOtxCsvHeader(line: string): boolean {
  const names = line.split(',').map((field) => headerName(field.replace(/"/g, '')));
  return names.includes('indicator type') && names.includes('indicator');
}

/**
 * @throws IntelFormatError when the first non-blank record is not a header with `Indicator type` and
 *   `Indicator` columns: without it no row can be read.
 */
export function readOtxCsv(input: string | Iterable<string>, collector: ListCollector): void {
  let typeColumn = -1;
  let valueColumn = -1;
  for (const record of csvRecords(numberedLines(input))) {
    const { fields, line, text } = record;
    if (fields.length === 1 && fields[0]!.trim() === '') continue;
    if (typeColumn < 0) {
      const names = fields.map(headerName);
      typeColumn = names.indexOf('indicator type');
      valueColumn = names.indexOf('indicator');
      if (typeColumn < 0 || valueColumn < 0) {
        throw new IntelFormatError(`OTX CSV needs a header row with "Indicator type" and "Indicator" columns; line ${line} is ${JSON.stringify(text.slice(0, 80))}`, {
          format: 'otx-csv',
        });
      }
      continue;
    }
    if (record.unterminated) {
      collector.issue('malformed-record', 'a quoted field is not closed before the end of the file', { line }, text);
      continue;
    }
    const type = fields[typeColumn]?.trim();
    const value = fields[valueColumn]?.trim();
    if (type === undefined || value === undefined) {
      collector.issue('malformed-record', `expected at least ${Math.max(typeColumn, valueColumn) + 1} columns, found ${fields.length}`, { line }, text);
      continue;
    }
    const kind = type.toLowerCase();
    if (ADDRESS_TYPES.has(kind)) collector.addIpValue(value, { line }, text);
    else if (DOMAIN_TYPES.has(kind)) collector.addDomainValue(value, { line }, text);
    else if (OTHER_OTX_TYPES.has(kind)) collector.ignored++;
    else collector.issue('invalid-entry', `unknown OTX indicator type ${JSON.stringify(type)}`, { line }, text);
  }
}
