/**
 * GuardDuty's plaintext (TXT) list: one IP address, CIDR block or domain per line.
 *
 * Also accepted, because real feeds are written that way: blank lines, whole-line comments starting with `#`
 * or `;`, surrounding whitespace, and a trailing comment after whitespace (`198.51.100.0/24 ; SBL123`,
 * `evil.example  # seen 2024-05-01`). Anything else after the entry makes the line an issue rather than a
 * guess.
 *
 * @example
 * const c = new ListCollector();
 * readTxtList('# bad actors\n198.51.100.7\n203.0.113.0/24  # scanners\nevil.example\n', c);
 * c.ips      // ['198.51.100.7', '203.0.113.0/24']
 * c.domains  // ['evil.example']
 */
import { ListCollector, numberedLines } from './common';

function isCommentStart(c: number): boolean {
  return c === 35 || c === 59;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff;
}

/** Reads a TXT list into the collector; every bad line becomes a located issue. */
export function readTxtList(input: string | Iterable<string>, collector: ListCollector): void {
  for (const { text, line } of numberedLines(input)) {
    const trimmed = text.trim();
    if (trimmed === '' || isCommentStart(trimmed.charCodeAt(0))) continue;
    let tokenEnd = 0;
    while (tokenEnd < trimmed.length && !isSpace(trimmed.charCodeAt(tokenEnd))) tokenEnd++;
    const token = trimmed.slice(0, tokenEnd);
    const rest = trimmed.slice(tokenEnd).trimStart();
    if (rest !== '' && !isCommentStart(rest.charCodeAt(0))) {
      collector.issue('invalid-entry', 'unexpected text after the entry (a trailing comment must start with # or ;)', { line }, text);
      continue;
    }
    collector.addUntypedValue(token, { line }, text);
  }
}
