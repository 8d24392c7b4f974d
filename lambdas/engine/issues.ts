/**
 * Input issues: the typed, located account of a record or file that could not be used.
 *
 * Parsers never throw on bad input. They yield a {@link ParseIssue} for the bad record and carry on with
 * the rest; callers count issues by {@link IssueReason} and report them with their location.
 */
import type { EventOrigin, LogSource, VigilEvent } from './events';

/** Why a record or file was set aside. Stable strings: they appear in summaries and metrics. */
export type IssueReason =
  /** The gzip stream is corrupt or ends early. */
  | 'corrupt-gzip'
  /** JSON that does not parse, or ends before it closes. */
  | 'malformed-json'
  /** Valid JSON whose fields have the wrong type or lack required values. */
  | 'invalid-record'
  /** A flow log line whose column count does not match its format. */
  | 'column-mismatch'
  /** A flow log header or format string naming a column Vigil does not know. */
  | 'unknown-column'
  /** A record larger than the parser's limit; it is skipped without being buffered. */
  | 'oversized-record'
  /** Bytes that are not text in any supported format. */
  | 'unrecognized-format'
  /** A file that cannot be opened or read. */
  | 'unreadable-input'
  /** A flow log SKIPDATA record: the log itself says that flows were lost. */
  | 'skipdata';

export const ISSUE_REASONS: readonly IssueReason[] = [
  'corrupt-gzip',
  'malformed-json',
  'invalid-record',
  'column-mismatch',
  'unknown-column',
  'oversized-record',
  'unrecognized-format',
  'unreadable-input',
  'skipdata',
];

export interface ParseIssue {
  readonly reason: IssueReason;
  readonly message: string;
  readonly source?: LogSource;
  readonly origin: EventOrigin;
  /** A short, printable excerpt of the offending input (at most ~200 characters). */
  readonly excerpt?: string;
}

/** What a parser yields for each record: an event, or an issue that explains why there is none. */
export type ParseResult<E extends VigilEvent = VigilEvent> =
  | { readonly ok: true; readonly event: E }
  | { readonly ok: false; readonly issue: ParseIssue };

/** Counts issues by reason; cheap enough to call for every record. */
export class IssueCounter {
  private readonly counts = new Map<IssueReason, number>();

  add(reason: IssueReason, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get(reason: IssueReason): number {
    return this.counts.get(reason) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  toJSON(): Partial<Record<IssueReason, number>> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
