/**
 * Lambda entry point: CloudWatch Logs subscription payloads (flow logs, Route 53 Resolver logs, CloudTrail)
 * read from Kinesis.
 *
 * Each Kinesis record is one subscription payload (base64 of gzip of JSON). Records are processed in shard
 * order, one engine run each, with the ledger token `kinesis:<stream>/<shard>#<sequence number>`, so a
 * record Lambda reads again after a retry or a reshard changes nothing twice.
 *
 * A record whose payload cannot be decoded at all (not gzip, not JSON, not a subscription message) is
 * *poisoned*: it is reported in `batchItemFailures` by its sequence number, so the event source mapping
 * retries it, bisects and finally sends it to the on-failure destination, where it stays inspectable; the
 * other records of the batch are processed. Bad log events inside a good payload are only counted.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { parseCloudWatchLogsPayload } from '../parsers';
import { readIngestConfig } from './config';
import { ingestInput, resultsInput } from './ingest-input';
import { createIngestRuntime, once, type IngestRuntime } from './runtime';

/** A Kinesis record whose payload is not a CloudWatch Logs subscription message. */
export class PoisonedRecordError extends Error {
  constructor(
    readonly sequenceNumber: string,
    message: string,
  ) {
    super(message);
    this.name = 'PoisonedRecordError';
  }
}

/** `kinesis:<stream name>/<shard id>#<sequence number>`: unique per record, the same on every read of it. */
export function kinesisToken(record: KinesisStreamRecord): string {
  const stream = record.eventSourceARN?.split('/').pop() ?? 'stream';
  const shard = record.eventID?.split(':')[0] ?? 'shard';
  return `kinesis:${stream}/${shard}#${record.kinesis.sequenceNumber}`;
}

export function createIngestStreamHandler(runtime: () => Promise<IngestRuntime>) {
  return async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
    const rt = await runtime();
    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    try {
      return await processPartialResponse(event, (record: KinesisStreamRecord) => processRecord(rt, record), processor, {
        ...(context ? { context } : {}),
        // In shard order: the engine runs one input at a time, and the batch after a failure is re-read anyway.
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    } finally {
      rt.metrics.flush();
    }
  };
}

async function processRecord(runtime: IngestRuntime, record: KinesisStreamRecord): Promise<void> {
  const token = kinesisToken(record);
  const parsed = parseCloudWatchLogsPayload(record.kinesis.data, {
    input: token,
    ...(runtime.config.flowLogFormat ? { flowFormat: runtime.config.flowLogFormat } : {}),
  });
  // Issues located at the payload itself (no log event index) mean nothing in it could be read.
  const payloadIssue = parsed.results.find((r) => !r.ok && r.issue.origin.index === undefined);
  if (payloadIssue && !payloadIssue.ok) {
    runtime.metrics.count('EventsRejected', 1, { reason: payloadIssue.issue.reason });
    runtime.metrics.count('InputsFailed', 1, { reason: 'poisoned-record' });
    runtime.logger.error('poisoned Kinesis record reported as a batch item failure', {
      input: token,
      reason: payloadIssue.issue.reason,
      message: payloadIssue.issue.message,
      ...(payloadIssue.issue.excerpt ? { excerpt: payloadIssue.issue.excerpt } : {}),
    });
    throw new PoisonedRecordError(record.kinesis.sequenceNumber, payloadIssue.issue.message);
  }
  if (parsed.messageType === 'CONTROL_MESSAGE') return;
  try {
    await ingestInput(runtime, { input: token, open: () => ({ token, chunks: resultsInput(parsed.results) }) });
  } catch (error) {
    runtime.metrics.count('InputsFailed', 1, { reason: (error as Error).name ?? 'Error' });
    runtime.logger.error('record failed; Lambda will read it again', { input: token, error: error as Error });
    throw error;
  }
}

/** The function the stack deploys: configuration from the environment, AWS clients from the Lambda role. */
export const handler = createIngestStreamHandler(once(() => createIngestRuntime(readIngestConfig(process.env), { service: 'ingest-stream' })));
