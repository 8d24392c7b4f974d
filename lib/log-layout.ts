/**
 * Where each log source puts its objects in S3, and the event-notification filters that select them.
 *
 * Every source writes below `<keyPrefix>/AWSLogs/`: CloudTrail as `…/AWSLogs/<account>/CloudTrail/…` (or
 * `…/AWSLogs/o-<org>/<account>/…` for an organization trail), flow logs as `…/AWSLogs/<account>/vpcflowlogs/…`
 * (or the Hive form `…/AWSLogs/aws-account-id=<account>/…`), Resolver query logs as
 * `…/AWSLogs/<account>/vpcdnsquerylogs/…`. The parsers tell them apart by key, so one queue takes them all.
 */

/** The log sources Vigil reads from S3. */
export type S3LogSource = 'cloudTrail' | 'vpcFlow' | 'resolver';

/** Object-name suffix of the log files a source delivers (digests and folder markers are left to the handler). */
const SUFFIX: Readonly<Record<S3LogSource, string>> = {
  cloudTrail: '.json.gz',
  vpcFlow: '.log.gz',
  resolver: '.log.gz',
};

/** The part of the key every object of a source starts with: `<keyPrefix>/AWSLogs/`. */
export function logKeyPrefix(keyPrefix: string | undefined): string {
  return keyPrefix === undefined ? 'AWSLogs/' : `${keyPrefix}/AWSLogs/`;
}

/** An S3 event-notification key filter. */
export interface KeyFilter {
  readonly prefix: string;
  readonly suffix: string;
}

export function notificationFilter(source: S3LogSource, keyPrefix: string | undefined): KeyFilter {
  return { prefix: logKeyPrefix(keyPrefix), suffix: SUFFIX[source] };
}

/**
 * S3 rejects two notification configurations of one bucket for the same event type when both their
 * prefixes and their suffixes overlap (one starts, respectively ends, with the other), even if they target
 * the same queue. Sources sharing a bucket often do (flow and Resolver logs both end in `.log.gz` below
 * `AWSLogs/`), so overlapping filters are merged into the wider one.
 *
 * @example
 * mergeOverlappingFilters([{ prefix: 'AWSLogs/', suffix: '.log.gz' }, { prefix: 'AWSLogs/o-1/', suffix: '.gz' }])
 * // [{ prefix: 'AWSLogs/', suffix: '.gz' }]
 */
export function mergeOverlappingFilters(filters: readonly KeyFilter[]): KeyFilter[] {
  const merged: KeyFilter[] = [];
  for (const filter of filters) {
    let current = filter;
    // A widened filter can newly overlap one kept earlier, so keep folding until nothing overlaps.
    for (let index = merged.findIndex((kept) => overlaps(kept, current)); index !== -1; index = merged.findIndex((kept) => overlaps(kept, current))) {
      current = widen(merged[index]!, current);
      merged.splice(index, 1);
    }
    merged.push(current);
  }
  return merged;
}

function overlaps(a: KeyFilter, b: KeyFilter): boolean {
  const prefixesOverlap = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixesOverlap = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return prefixesOverlap && suffixesOverlap;
}

function widen(a: KeyFilter, b: KeyFilter): KeyFilter {
  return {
    prefix: a.prefix.length <= b.prefix.length ? a.prefix : b.prefix,
    suffix: a.suffix.length <= b.suffix.length ? a.suffix : b.suffix,
  };
}
