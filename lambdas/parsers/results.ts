/**
 * Constructors for {@link ParseResult}s, so every parser builds issues the same way.
 */
import type { EventOrigin, LogSource, VigilEvent } from '../engine/events';
import type { IssueReason, ParseIssue, ParseResult } from '../engine/issues';

/** A successful result. */
export function eventResult<E extends VigilEvent>(event: E): ParseResult<E> {
  return { ok: true, event };
}

/** A failed result carrying a located issue. `excerpt` should already be printable (see excerpt.ts). */
export function issueResult(
  reason: IssueReason,
  message: string,
  origin: EventOrigin,
  source?: LogSource,
  excerpt?: string,
): { readonly ok: false; readonly issue: ParseIssue } {
  const issue: { -readonly [K in keyof ParseIssue]: ParseIssue[K] } = { reason, message, origin };
  if (source !== undefined) issue.source = source;
  if (excerpt !== undefined) issue.excerpt = excerpt;
  return { ok: false, issue };
}
