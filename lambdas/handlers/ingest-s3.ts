/**
 * Lambda entry point: log files delivered to S3, announced through SQS.
 *
 * Each SQS message carries an S3 event notification (directly or inside an SNS envelope). Every object it
 * names that is a log file is streamed from S3 into the parsers and the engine, and the findings due are
 * published. The response lists the messages to deliver again (`batchItemFailures`): those whose objects
 * hit a failure a retry can fix, and those that are not notifications at all (so that they reach the
 * queue's dead-letter queue instead of vanishing). Bad records inside a log file never fail a message:
 * they are counted by reason and logged with their location.
 *
 * @example CDK (lib/): `new NodejsFunction(this, 'IngestS3', { entry: HANDLER_ENTRIES.INGEST_S3, handler: 'handler' })`
 * with an SQS event source that has `reportBatchItemFailures: true`.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ObjectNotFoundError } from '../adapters/errors';
import { parseLogStream } from '../parsers';
import { readIngestConfig } from './config';
import { ingestInput } from './ingest-input';
import { createIngestRuntime, once, type IngestRuntime } from './runtime';
import { NotificationFormatError, readS3Notification, skipReason, type S3ObjectRef } from './s3-notifications';

/** Builds the handler around a runtime factory (called once per container); tests inject their own. */
export function createIngestS3Handler(runtime: () => Promise<IngestRuntime>) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const rt = await runtime();
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(event, (record: SQSRecord) => processMessage(rt, record), processor, {
        ...(context ? { context } : {}),
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    } finally {
      rt.metrics.flush();
    }
  };
}

async function processMessage(runtime: IngestRuntime, record: SQSRecord): Promise<void> {
  let notification;
  try {
    notification = readS3Notification(record.body);
  } catch (error) {
    if (error instanceof NotificationFormatError) {
      runtime.metrics.count('InputsFailed', 1, { reason: 'invalid-notification' });
      runtime.logger.error('message is not an S3 notification; leaving it to the dead-letter queue', { messageId: record.messageId, error, excerpt: record.body.slice(0, 200) });
    }
    throw error;
  }
  if (notification.kind === 'test') return;
  for (const object of notification.objects) {
    const reason = skipReason(object);
    if (reason) {
      runtime.metrics.count('InputsSkipped', 1, { reason });
      continue;
    }
    await processObject(runtime, object, record.messageId);
  }
}

async function processObject(runtime: IngestRuntime, ref: S3ObjectRef, messageId: string): Promise<void> {
  const input = `s3://${ref.bucket}/${ref.key}`;
  try {
    const outcome = await ingestInput(runtime, {
      input,
      open: async () => {
        const object = await runtime.reader.open(ref.bucket, ref.key);
        return {
          token: object.token,
          chunks: parseLogStream(object.body, { input, ...(runtime.config.flowLogFormat ? { flowFormat: runtime.config.flowLogFormat } : {}) }),
          afterRun: () => object.assertComplete(),
        };
      },
    });
    runtime.logger.info('object processed', {
      input,
      events: outcome.run.events,
      issues: outcome.run.issues.total,
      redeliveredBatches: outcome.run.skippedBatches,
      findingsNew: outcome.created,
      findingsUpdated: outcome.updated,
      published: outcome.publication.published,
    });
  } catch (error) {
    if (error instanceof ObjectNotFoundError) {
      // Deleted (or expired by a lifecycle rule) before we got to it: nothing left to read, ever.
      runtime.metrics.count('InputsSkipped', 1, { reason: 'object-gone' });
      runtime.logger.warn('object named by the notification no longer exists', { input, messageId });
      return;
    }
    runtime.metrics.count('InputsFailed', 1, { reason: (error as Error).name ?? 'Error' });
    runtime.logger.error('object failed; the message will be delivered again', { input, messageId, error: error as Error });
    throw error;
  }
}

/** The function the stack deploys: configuration from the environment, AWS clients from the Lambda role. */
export const handler = createIngestS3Handler(once(() => createIngestRuntime(readIngestConfig(process.env), { service: 'ingest-s3' })));
