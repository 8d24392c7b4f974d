/**
 * Publishes findings to the findings bus as `vigil` / `Vigil Finding` events whose `detail` is the finding
 * in GuardDuty's shape (what GuardDuty puts in `detail` of its own "GuardDuty Finding" events), with the
 * finding ARN in `resources`.
 *
 * PutEvents takes at most 10 entries and 256 KB per call, and may accept a call while refusing some of its
 * entries (`FailedEntryCount`, per-entry `ErrorCode`). Refused entries are sent again with exponential
 * backoff and full jitter until all are in or the attempts run out; then {@link PublishError} is thrown so
 * the caller's batch is retried and no finding is silently dropped.
 *
 * @example
 * const publisher = new FindingEventPublisher({ client: new EventBridgeClient({}), eventBusName: 'vigil-findings' });
 * await publisher.publish(findings); // throws PublishError if some never got in
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Finding } from '../engine/finding';
import { DETAIL_TYPE, EVENT_SOURCE } from '../shared/constants';
import { EventTooLargeError, isTransientAwsError, PublishError } from './errors';
import { waitBeforeRetry, type Backoff } from './retry';

/** PutEvents limits (EventBridge quotas; the size is counted as the EventBridge guide describes). */
export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

export interface FindingEventPublisherOptions {
  readonly client: EventBridgeClient;
  /** Name or ARN of the bus. */
  readonly eventBusName: string;
  /** @default 8 attempts, 100 ms base, 5 s cap */
  readonly backoff?: Backoff;
}

export interface PublishReport {
  /** Findings whose event EventBridge accepted. */
  readonly published: number;
  /** PutEvents calls made, retries included. */
  readonly calls: number;
  /** Entries that had to be sent more than once. */
  readonly retriedEntries: number;
}

const DEFAULT_PUBLISH_BACKOFF: Backoff = { baseDelayMs: 100, maxDelayMs: 5_000, maxAttempts: 8 };

interface Pending {
  readonly findingId: string;
  readonly entry: PutEventsRequestEntry;
  readonly bytes: number;
}

export class FindingEventPublisher {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly backoff: Backoff;

  constructor(options: FindingEventPublisherOptions) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
    this.backoff = options.backoff ?? DEFAULT_PUBLISH_BACKOFF;
  }

  /**
   * Sends one event per finding. Resolves when EventBridge has accepted every one of them.
   * @throws EventTooLargeError before sending anything, if a finding cannot fit in one entry.
   * @throws PublishError when entries are still refused after the last attempt, or on a non-transient error.
   */
  async publish(findings: readonly Finding[]): Promise<PublishReport> {
    let pending = findings.map((f) => this.entryFor(f));
    let calls = 0;
    const retried = new Set<string>();
    let lastErrors = new Map<string, { code: string; message?: string }>();
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt >= this.backoff.maxAttempts) {
          throw new PublishError(
            `EventBridge refused ${pending.length} of ${findings.length} finding event(s) after ${attempt} attempts`,
            pending.map((p) => {
              const last = lastErrors.get(p.findingId);
              return { findingId: p.findingId, errorCode: last?.code ?? 'Unknown', ...(last?.message ? { errorMessage: last.message } : {}) };
            }),
          );
        }
        for (const p of pending) retried.add(p.findingId);
        await waitBeforeRetry(attempt - 1, this.backoff);
      }
      lastErrors = new Map();
      const refused: Pending[] = [];
      for (const chunk of chunkEntries(pending)) {
        calls++;
        const failed = await this.send(chunk, lastErrors);
        refused.push(...failed);
      }
      pending = refused;
    }
    return { published: findings.length, calls, retriedEntries: retried.size };
  }

  /** Sends one chunk; returns the entries EventBridge refused, noting why in `errors`. */
  private async send(chunk: readonly Pending[], errors: Map<string, { code: string; message?: string }>): Promise<Pending[]> {
    let response;
    try {
      response = await this.client.send(new PutEventsCommand({ Entries: chunk.map((p) => p.entry) }));
    } catch (error) {
      if (!isTransientAwsError(error)) {
        throw new PublishError(
          `PutEvents failed for ${chunk.length} finding event(s)`,
          chunk.map((p) => ({ findingId: p.findingId, errorCode: errorName(error) })),
          { cause: error, retryable: false },
        );
      }
      for (const p of chunk) errors.set(p.findingId, { code: errorName(error) });
      return [...chunk];
    }
    if (!response.FailedEntryCount) return [];
    const refused: Pending[] = [];
    chunk.forEach((p, i) => {
      const result = response.Entries?.[i];
      // A missing result entry is as good as a refusal: EventBridge did not confirm it.
      if (!result || result.ErrorCode || !result.EventId) {
        errors.set(p.findingId, { code: result?.ErrorCode ?? 'MissingResult', ...(result?.ErrorMessage ? { message: result.ErrorMessage } : {}) });
        refused.push(p);
      }
    });
    return refused;
  }

  private entryFor(finding: Finding): Pending {
    const entry: PutEventsRequestEntry = {
      EventBusName: this.eventBusName,
      Source: EVENT_SOURCE,
      DetailType: DETAIL_TYPE.FINDING,
      Detail: JSON.stringify(finding),
      Resources: [finding.arn],
    };
    const bytes = entrySize(entry);
    if (bytes > MAX_REQUEST_BYTES) throw new EventTooLargeError(finding.id, bytes, MAX_REQUEST_BYTES);
    return { findingId: finding.id, entry, bytes };
  }
}

/**
 * Size of an entry as EventBridge counts it: UTF-8 bytes of Source, DetailType, Detail and each resource,
 * plus 14 bytes when Time is set.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  size += Buffer.byteLength(entry.Source ?? '', 'utf8');
  size += Buffer.byteLength(entry.DetailType ?? '', 'utf8');
  size += Buffer.byteLength(entry.Detail ?? '', 'utf8');
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

/** Groups entries into calls of at most 10 entries and 256 KB, keeping their order. */
function* chunkEntries(entries: readonly Pending[]): Generator<Pending[]> {
  let chunk: Pending[] = [];
  let bytes = 0;
  for (const p of entries) {
    if (chunk.length === MAX_ENTRIES_PER_CALL || bytes + p.bytes > MAX_REQUEST_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(p);
    bytes += p.bytes;
  }
  if (chunk.length > 0) yield chunk;
}

function errorName(error: unknown): string {
  return (error as { name?: string } | null)?.name ?? 'Error';
}
