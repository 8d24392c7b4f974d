/**
 * The Tor Project's exit list (TorDNSEL format, as served at check.torproject.org/exit-addresses): optional
 * `@type tordnsel 1.0` and `Downloaded <date> <time>` header lines, then one block per exit relay:
 *
 * ```
 * ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E
 * Published 2024-01-30 00:10:50
 * LastStatus 2024-01-30 10:00:00
 * ExitAddress 198.51.100.23 2024-01-30 10:21:54
 * ```
 *
 * A relay may have several `ExitAddress` lines; each address is an entry. The plain one-address-per-line
 * bulk list (torbulkexitlist) is a TXT list and is read as one.
 */
import { ipVersion } from '../ip';
import { ListCollector, numberedLines } from './common';

const KEYWORDS_WITHOUT_ENTRIES = new Set(['ExitNode', 'Published', 'LastStatus', 'Downloaded']);

/** Reads a Tor exit list into the collector; every bad line becomes a located issue. */
export function readTorExitList(input: string | Iterable<string>, collector: ListCollector): void {
  for (const { text, line } of numberedLines(input)) {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('@type ')) continue;
    const fields = trimmed.split(/\s+/);
    const keyword = fields[0]!;
    if (keyword === 'ExitAddress') {
      const address = fields[1];
      if (address === undefined) {
        collector.issue('malformed-record', 'ExitAddress without an address', { line }, text);
      } else if (ipVersion(address) === undefined) {
        collector.issue('invalid-entry', `${JSON.stringify(address)} is not an IP address`, { line }, text);
      } else {
        collector.addIp(address);
      }
      continue;
    }
    if (KEYWORDS_WITHOUT_ENTRIES.has(keyword)) {
      if (fields.length < 2) collector.issue('malformed-record', `${keyword} without a value`, { line }, text);
      continue;
    }
    collector.issue('unknown-line', `unknown keyword ${JSON.stringify(keyword)} in a Tor exit list`, { line }, text);
  }
}
