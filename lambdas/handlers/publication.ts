/**
 * Decides which findings go to EventBridge now, sends them, and records that they went.
 *
 * GuardDuty's rules: a new finding is published at once; updates to it are published immediately or
 * batched every 15 minutes, 1 hour or 6 hours (`findingPublishingFrequency`); findings archived by a
 * suppression rule are never published. What is sent is always the finding *as stored*, read back after
 * the engine wrote it, so a retried input or a concurrent update cannot publish a wrong count.
 *
 * Nothing is lost between "stored" and "published": the store keeps `publishState` on every finding
 * EventBridge has not seen, and {@link FindingPublication.publishDue} (the scheduled publish-updates
 * function) sends whatever is left, including new findings whose immediate publication failed.
 *
 * @example
 * const publication = new FindingPublication({ findings, publisher, frequency: 'FIFTEEN_MINUTES' });
 * await publication.publishChanged(changedIds); // after an input was processed
 * await publication.publishDue();               // on the schedule
 */
import type { DynamoFindingRepository, FindingRecord } from '../adapters/dynamodb-findings';
import type { FindingEventPublisher } from '../adapters/eventbridge-publisher';
import { forEachConcurrently } from '../adapters/concurrency';
import type { PublishFrequency } from '../shared/constants';
import { PUBLISH_INTERVAL_MS } from './config';

export interface FindingPublicationOptions {
  readonly findings: Pick<DynamoFindingRepository, 'getRecords' | 'markPublished' | 'listPending'>;
  readonly publisher: Pick<FindingEventPublisher, 'publish'>;
  readonly frequency: PublishFrequency;
  /** Wall clock (ms). @default Date.now */
  readonly clock?: () => number;
  /**
   * How early before its interval is up an update may go, so a schedule that fires a little before the
   * interval ends does not make it wait a whole extra period. @default 60_000
   */
  readonly toleranceMs?: number;
}

export interface PublicationReport {
  /** Findings sent to EventBridge. */
  readonly published: number;
  /** Of those, findings never published before. */
  readonly newFindings: number;
  /** Sent, but updated again meanwhile: the newer revision stays pending. */
  readonly superseded: number;
}

const NOTHING: PublicationReport = { published: 0, newFindings: 0, superseded: 0 };

export class FindingPublication {
  private readonly clock: () => number;
  private readonly toleranceMs: number;

  constructor(private readonly options: FindingPublicationOptions) {
    this.clock = options.clock ?? Date.now;
    this.toleranceMs = options.toleranceMs ?? 60_000;
  }

  /**
   * Publishes the findings an input just changed that are due now: new ones always, updates only under
   * `IMMEDIATE`. The rest stay pending for {@link publishDue}.
   */
  async publishChanged(ids: Iterable<string>): Promise<PublicationReport> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return NOTHING;
    const records = await this.options.findings.getRecords(unique);
    const due = [...records.values()].filter((r) => r.publishState === 'NEW' || (r.publishState === 'PENDING' && this.options.frequency === 'IMMEDIATE'));
    return this.send(due);
  }

  /** Publishes every pending finding whose wait under the configured frequency is over. */
  async publishDue(): Promise<PublicationReport> {
    const now = this.clock();
    const interval = PUBLISH_INTERVAL_MS[this.options.frequency];
    const pending = await this.options.findings.listPending();
    const dueIds = pending.filter((p) => p.publishState === 'NEW' || now - p.pendingSince >= interval - this.toleranceMs).map((p) => p.id);
    if (dueIds.length === 0) return NOTHING;
    const records = await this.options.findings.getRecords(dueIds);
    return this.send([...records.values()].filter((r) => r.publishState !== undefined));
  }

  private async send(records: readonly FindingRecord[]): Promise<PublicationReport> {
    if (records.length === 0) return NOTHING;
    await this.options.publisher.publish(records.map((r) => r.stored.finding));
    let superseded = 0;
    await forEachConcurrently(records, 16, async (r) => {
      if (!(await this.options.findings.markPublished(r.stored.finding.id, r.revision))) superseded++;
    });
    return { published: records.length, newFindings: records.filter((r) => r.publishState === 'NEW').length, superseded };
  }
}
