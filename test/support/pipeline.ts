/**
 * The whole ingest pipeline on loopback: dynalite, kinesalite and s3rver in-process, the stack's tables,
 * real SDK clients pointed at them, EventBridge replaced by aws-sdk-client-mock (no emulator exists), and
 * the handlers' runtimes built exactly as in Lambda except for those injected clients.
 *
 * @example
 * const pipeline = usePipeline();
 * it('…', async () => {
 *   const env = await pipeline.fresh();
 *   const response = await env.ingestS3(sqsEvent([...]));
 * });
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { readIngestConfig, readPublishConfig, type Environment } from '../../lambdas/handlers/config';
import { createIngestCloudTrailEventHandler } from '../../lambdas/handlers/ingest-cloudtrail-event';
import { createIngestS3Handler } from '../../lambdas/handlers/ingest-s3';
import { createIngestStreamHandler } from '../../lambdas/handlers/ingest-stream';
import { createPublishUpdatesHandler } from '../../lambdas/handlers/publish-updates';
import { createIngestRuntime, createPublishRuntime, type IngestRuntime, type RuntimeDependencies } from '../../lambdas/handlers/runtime';
import { ENV } from '../../lambdas/shared/constants';
import { documentClient } from './dynamo';
import { startDynalite, startKinesalite, startS3rver, TEST_REGION, type Emulator } from './emulators';
import { RecordingMetricSink } from './metrics';
import { ACCOUNT } from './log-samples';
import { createTables } from './tables';

export const LOG_BUCKET = 'vigil-logs';
export const INTEL_BUCKET = 'vigil-intel';
export const FINDINGS_BUS = 'vigil-findings';

export interface PipelineOptions {
  /** @default 'FIFTEEN_MINUTES' */
  readonly publishFrequency?: string;
  /** Extra environment, e.g. suppression rules. */
  readonly env?: Environment;
  /** Wall clock for TTLs and publication times. */
  readonly clock?: () => number;
  /** Events per engine batch. */
  readonly batchSize?: number;
  /** EC2 for instance enrichment (a mocked client); none by default. */
  readonly ec2?: EC2Client;
}

export interface PipelineEnv {
  readonly env: Environment;
  readonly runtime: IngestRuntime;
  readonly metrics: RecordingMetricSink;
  readonly eventBridge: AwsClientStub<EventBridgeClient>;
  readonly ingestS3: ReturnType<typeof createIngestS3Handler>;
  readonly ingestStream: ReturnType<typeof createIngestStreamHandler>;
  readonly ingestCloudTrailEvent: ReturnType<typeof createIngestCloudTrailEventHandler>;
  readonly publishUpdates: ReturnType<typeof createPublishUpdatesHandler>;
  /** Every item of the findings table, by id. */
  findings(): Promise<Map<string, Record<string, unknown>>>;
  /** Every item of the state table (state, ledger), by pk. */
  stateItems(): Promise<Map<string, Record<string, unknown>>>;
  /** The `detail` of every event put on the bus so far. */
  publishedDetails(): Record<string, any>[];
  putObject(key: string, body: Buffer | string): Promise<{ size: number; eTag: string }>;
  /** The ingest-s3 handler of another Lambda container: its own runtime and caches, the same tables and bus. */
  anotherContainer(): Promise<ReturnType<typeof createIngestS3Handler>>;
}

export interface Pipeline {
  fresh(options?: PipelineOptions): Promise<PipelineEnv>;
  readonly dynamodb: () => DynamoDBClient;
  readonly s3: () => S3Client;
  readonly kinesis: () => KinesisClient;
}

/** A Logger that writes nothing: the handlers' logs are not what these tests check. */
export function silentLogger(): Logger {
  return new Logger({ serviceName: 'vigil-test', logLevel: 'SILENT' });
}

/** Starts the emulators for the calling test file (beforeAll/afterAll) and hands out fresh environments. */
export function usePipeline(): Pipeline {
  let dynamo: Emulator<DynamoDBClient>;
  let s3: Emulator<S3Client>;
  let kinesis: Emulator<KinesisClient>;
  let dynamoClient: DynamoDBClient;
  let s3Client: S3Client;
  let kinesisClient: KinesisClient;
  const stubs: AwsClientStub<EventBridgeClient>[] = [];

  beforeAll(async () => {
    [dynamo, s3, kinesis] = await Promise.all([startDynalite(), startS3rver(), startKinesalite()]);
    dynamoClient = dynamo.client();
    s3Client = s3.client();
    kinesisClient = kinesis.client();
    await s3Client.send(new CreateBucketCommand({ Bucket: LOG_BUCKET }));
    await s3Client.send(new CreateBucketCommand({ Bucket: INTEL_BUCKET }));
    await s3Client.send(new PutObjectCommand({ Bucket: INTEL_BUCKET, Key: 'lists/known-bad.txt', Body: '# custom threat list\n203.0.113.0/24\n' }));
  });
  afterAll(async () => {
    for (const stub of stubs) stub.restore();
    dynamoClient?.destroy();
    s3Client?.destroy();
    kinesisClient?.destroy();
    await Promise.all([dynamo?.close(), s3?.close(), kinesis?.close()]);
  });

  return {
    dynamodb: () => dynamoClient,
    s3: () => s3Client,
    kinesis: () => kinesisClient,
    async fresh(options: PipelineOptions = {}): Promise<PipelineEnv> {
      const tables = await createTables(dynamoClient);
      const env: Environment = {
        [ENV.FINDINGS_TABLE]: tables.findings,
        [ENV.STATE_TABLE]: tables.state,
        [ENV.FINDINGS_BUS]: FINDINGS_BUS,
        [ENV.PUBLISH_FREQUENCY]: options.publishFrequency ?? 'FIFTEEN_MINUTES',
        [ENV.INTEL_BUCKET]: INTEL_BUCKET,
        [ENV.INTEL_LISTS]: JSON.stringify([{ key: 'lists/known-bad.txt', name: 'known-bad', category: 'custom', kind: 'threat' }]),
        [ENV.DEFAULT_ACCOUNT]: ACCOUNT,
        [ENV.DEFAULT_REGION]: TEST_REGION,
        ...options.env,
      };
      const eventBridgeClient = new EventBridgeClient({ region: TEST_REGION, credentials: { accessKeyId: 'AKIAVIGILTEST0000000', secretAccessKey: 'x' } });
      const eventBridge = mockClient(eventBridgeClient);
      stubs.push(eventBridge);
      eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
        FailedEntryCount: 0,
        Entries: input.Entries.map((_, i) => ({ EventId: `event-${i}` })),
      }));
      const metrics = new RecordingMetricSink();
      const deps: RuntimeDependencies = {
        service: 'vigil-test',
        dynamodb: dynamoClient,
        s3: s3Client,
        eventBridge: eventBridgeClient,
        ec2: options.ec2 ?? null,
        logger: silentLogger(),
        metrics,
        publishBackoff: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 5 },
        conflictBackoff: { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: 6 },
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      };
      const runtime = await createIngestRuntime(readIngestConfig(env), deps);
      const publishRuntime = createPublishRuntime(readPublishConfig(env), deps);
      const doc = documentClient(dynamoClient);
      const scanAll = async (table: string, key: string) => {
        const out = new Map<string, Record<string, unknown>>();
        let start: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(new ScanCommand({ TableName: table, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
          for (const item of page.Items ?? []) out.set(String(item[key]), item);
          start = page.LastEvaluatedKey;
        } while (start);
        return out;
      };
      return {
        env,
        runtime,
        metrics,
        eventBridge,
        ingestS3: createIngestS3Handler(async () => runtime),
        ingestStream: createIngestStreamHandler(async () => runtime),
        ingestCloudTrailEvent: createIngestCloudTrailEventHandler(async () => runtime),
        publishUpdates: createPublishUpdatesHandler(() => publishRuntime),
        findings: () => scanAll(tables.findings, 'id'),
        stateItems: () => scanAll(tables.state, 'pk'),
        publishedDetails: () =>
          eventBridge.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail ?? '{}') as Record<string, any>)),
        async anotherContainer() {
          const other = await createIngestRuntime(readIngestConfig(env), deps);
          return createIngestS3Handler(async () => other);
        },
        async putObject(key, body) {
          const bytes = typeof body === 'string' ? Buffer.from(body) : body;
          const put = await s3Client.send(new PutObjectCommand({ Bucket: LOG_BUCKET, Key: key, Body: bytes }));
          return { size: bytes.length, eTag: (put.ETag ?? '').replace(/"/g, '') };
        },
      };
    },
  };
}
