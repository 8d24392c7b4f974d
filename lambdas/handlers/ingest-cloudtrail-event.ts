/**
 * Lambda entry point: CloudTrail events from the default event bus, one per invocation (an EventBridge
 * rule on `detail-type` "AWS API Call via CloudTrail" and friends targets this function).
 *
 * This is the low-latency path: a StopLogging call reaches the engine seconds after it happened instead
 * of with the next S3 delivery. The same event later arrives in the trail's S3 file; the ledger cannot see
 * that (different token) but findings aggregate by id, so it only adds to the finding's count.
 *
 * An event that is not a CloudTrail record is counted and logged, and the invocation succeeds (a retry
 * would not change it). Failures a retry can fix are thrown, so Lambda's asynchronous retries apply.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { parseEventBridgeCloudTrail } from '../parsers';
import { readIngestConfig } from './config';
import { ingestInput, resultsInput } from './ingest-input';
import { createIngestRuntime, once, type IngestRuntime } from './runtime';

export interface CloudTrailEventResult {
  readonly status: 'processed' | 'rejected';
  readonly findingsNew: number;
  readonly findingsUpdated: number;
  readonly published: number;
}

export function createIngestCloudTrailEventHandler(runtime: () => Promise<IngestRuntime>) {
  return async (event: EventBridgeEvent<string, unknown>, _context?: Context): Promise<CloudTrailEventResult> => {
    const rt = await runtime();
    const token = `eventbridge:${typeof event?.id === 'string' ? event.id : 'unknown'}`;
    try {
      const parsed = parseEventBridgeCloudTrail(event, { input: token });
      if (!parsed.ok) {
        rt.metrics.count('EventsRejected', 1, { reason: parsed.issue.reason });
        rt.logger.warn('event set aside', { input: token, reason: parsed.issue.reason, message: parsed.issue.message, excerpt: parsed.issue.excerpt });
        return { status: 'rejected', findingsNew: 0, findingsUpdated: 0, published: 0 };
      }
      const outcome = await ingestInput(rt, { input: token, open: () => ({ token, chunks: resultsInput([parsed]) }) });
      return { status: 'processed', findingsNew: outcome.created, findingsUpdated: outcome.updated, published: outcome.publication.published };
    } catch (error) {
      rt.metrics.count('InputsFailed', 1, { reason: (error as Error).name ?? 'Error' });
      rt.logger.error('event failed; Lambda will retry it', { input: token, error: error as Error });
      throw error;
    } finally {
      rt.metrics.flush();
    }
  };
}

/** The function the stack deploys: configuration from the environment, AWS clients from the Lambda role. */
export const handler = createIngestCloudTrailEventHandler(
  once(() => createIngestRuntime(readIngestConfig(process.env), { service: 'ingest-cloudtrail-event' })),
);
