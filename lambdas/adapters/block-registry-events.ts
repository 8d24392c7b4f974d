/**
 * Publishes the block registry's changes as `vigil` / `Vigil Remediation Action` events on the findings bus,
 * one event per action, `detail` = the {@link RemediationAction}.
 *
 * Entries EventBridge refuses are sent again with backoff; what is still refused after the last attempt is
 * thrown as {@link PublishError}. The registry has already been written by then, so the caller logs the
 * error rather than retrying the whole response (which would repeat the change, not the event).
 *
 * @example
 * const publisher = new RemediationActionPublisher({ client: new EventBridgeClient({}), eventBusName });
 * await publisher.publish(report.actions);
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { RemediationAction } from '../response/actions';
import type { ActionPublisher } from '../response/ports';
import { DETAIL_TYPE, EVENT_SOURCE } from '../shared/constants';
import { isTransientAwsError, PublishError } from './errors';
import { entrySize, MAX_ENTRIES_PER_CALL, MAX_REQUEST_BYTES } from './eventbridge-publisher';
import { waitBeforeRetry, type Backoff } from './retry';

export interface RemediationActionPublisherOptions {
  readonly client: EventBridgeClient;
  /** Name or ARN of the findings bus. */
  readonly eventBusName: string;
  /** @default 5 attempts, 100 ms base, 2 s cap */
  readonly backoff?: Backoff;
}

const DEFAULT_ACTION_BACKOFF: Backoff = { baseDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 5 };

export class RemediationActionPublisher implements ActionPublisher {
  private readonly backoff: Backoff;

  constructor(private readonly options: RemediationActionPublisherOptions) {
    this.backoff = options.backoff ?? DEFAULT_ACTION_BACKOFF;
  }

  async publish(actions: readonly RemediationAction[]): Promise<void> {
    let pending = actions.map((action) => ({ action, entry: this.entryFor(action) }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.backoff.maxAttempts) {
        throw new PublishError(
          `EventBridge refused ${pending.length} of ${actions.length} remediation action event(s)`,
          pending.map((p) => ({ findingId: p.action.findingId ?? '', errorCode: 'Refused' })),
        );
      }
      if (attempt > 0) await waitBeforeRetry(attempt - 1, this.backoff);
      const refused: typeof pending = [];
      for (let i = 0; i < pending.length; i += MAX_ENTRIES_PER_CALL) {
        const chunk = pending.slice(i, i + MAX_ENTRIES_PER_CALL);
        try {
          const response = await this.options.client.send(new PutEventsCommand({ Entries: chunk.map((p) => p.entry) }));
          if (response.FailedEntryCount) {
            chunk.forEach((p, j) => {
              const result = response.Entries?.[j];
              if (!result || result.ErrorCode || !result.EventId) refused.push(p);
            });
          }
        } catch (error) {
          if (!isTransientAwsError(error)) {
            throw new PublishError('PutEvents failed for remediation actions', chunk.map((p) => ({ findingId: p.action.findingId ?? '', errorCode: (error as Error).name })), {
              cause: error,
              retryable: false,
            });
          }
          refused.push(...chunk);
        }
      }
      pending = refused;
    }
  }

  private entryFor(action: RemediationAction): PutEventsRequestEntry {
    const entry: PutEventsRequestEntry = {
      EventBusName: this.options.eventBusName,
      Source: EVENT_SOURCE,
      DetailType: DETAIL_TYPE.REMEDIATION_ACTION,
      Detail: JSON.stringify(action),
      Resources: [],
    };
    // An action is a few hundred bytes; this guards against a pathological finding id or reason only.
    if (entrySize(entry) > MAX_REQUEST_BYTES) entry.Detail = JSON.stringify({ ...action, reason: action.reason?.slice(0, 1000) });
    return entry;
  }
}
