/**
 * The Lambda functions that turn logs into findings, wired to the inputs {@link LogIngestion} created:
 *
 * - ingest-s3 (SQS of S3 notifications; partial batch failures) streams each log object from S3;
 * - ingest-stream (Kinesis; partial batch failures, bisect on error, bounded retries, on-failure queue);
 * - ingest-cloudtrail-event (EventBridge rule on the default bus; dead-letter queue for delivery and
 *   handler failures);
 * - publish-updates, on a schedule matching the publishing frequency (none for IMMEDIATE), publishes the
 *   findings marked for publishing.
 *
 * The ingest functions share one environment ({@link ENV}): both tables, the findings bus, the intel bucket
 * and its lists, suppression rules, the flow log format, and this account and region as defaults for logs
 * that do not say. They look up instance details with ec2:DescribeInstances/DescribeNetworkInterfaces
 * (cached by the handlers); EC2 has no resource-level permissions for Describe calls, hence `*`.
 */
import * as path from 'node:path';
import { Aws, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULT_FLOW_LOG_FORMAT, type IntelConfig } from '../config';
import { ENV, GEO_DATA_FILES, HANDLER_ENTRIES, type PublishFrequency } from '../../lambdas/shared/constants';
import { acknowledgeWildcardAction, acknowledgeWildcardResource, QUEUE_SEND_KMS_REASON, QUEUE_SEND_KMS_WILDCARDS } from '../nag';
import { AnalyzerFunction } from './analyzer-function';
import type { EncryptionKey } from './encryption-key';
import type { FindingsBus } from './findings-bus';
import type { FindingsStore } from './findings-store';
import type { LogIngestion } from './log-ingestion';
import type { MonitoredFunction } from './monitoring';
import { SecureBucket } from './secure-bucket';

/** How often publish-updates runs for each frequency; IMMEDIATE publishes from the ingest functions instead. */
export const PUBLISH_SCHEDULE: Readonly<Record<PublishFrequency, Duration | undefined>> = {
  IMMEDIATE: undefined,
  FIFTEEN_MINUTES: Duration.minutes(15),
  ONE_HOUR: Duration.hours(1),
  SIX_HOURS: Duration.hours(6),
};

/** A handler by its name in HANDLER_ENTRIES. */
export type HandlerName = keyof typeof HANDLER_ENTRIES;

export interface AnalyzersProps {
  readonly encryptionKey: EncryptionKey;
  readonly ingestion: LogIngestion;
  readonly store: FindingsStore;
  readonly bus: FindingsBus;
  /**
   * How often updates to existing findings are published.
   * @default 'SIX_HOURS'
   */
  readonly publishFrequency?: PublishFrequency;
  /**
   * Threat and trusted lists, and the bucket that holds them.
   * @default - a bucket created by Vigil, no lists
   */
  readonly intel?: IntelConfig;
  /**
   * Target of the intel bucket's server access logs; required when Vigil creates the intel bucket.
   * @default - none
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Suppression rules (GuardDuty filter form) the handlers apply before publishing.
   * @default []
   */
  readonly suppressionRules?: readonly Readonly<Record<string, unknown>>[];
  /**
   * Field order of flow log records that arrive without a header line (Kinesis).
   * @default DEFAULT_FLOW_LOG_FORMAT
   */
  readonly flowLogFormat?: string;
  /**
   * Memory of the ingest functions.
   * @default 1024
   */
  readonly ingestMemorySize?: number;
  /**
   * Ship the offline country and ASN data (~38 MB) with the ingest functions and geolocate remote addresses.
   * @default true
   */
  readonly geo?: boolean;
  /**
   * Timeout of ingest-s3; large log objects are streamed, but a 75 MB flow log file still takes a while.
   * Must not exceed the notification queue's visibility timeout.
   * @default Duration.minutes(5)
   */
  readonly s3IngestTimeout?: Duration;
  /**
   * Concurrent ingest-s3 invocations at most, which bounds the write rate on the state table.
   * @default 10
   */
  readonly s3MaxConcurrency?: number;
  /**
   * Retries of a failing Kinesis batch (after bisecting) before its records go to the on-failure queue.
   * @default 3
   */
  readonly streamRetryAttempts?: number;
  /**
   * Records older than this go to the on-failure queue instead of being processed.
   * @default Duration.hours(6)
   */
  readonly streamMaxRecordAge?: Duration;
  /**
   * Handler files, by name, relative to the repository root. Tests and forks point these elsewhere.
   * @default HANDLER_ENTRIES
   */
  readonly handlerEntries?: Partial<Readonly<Record<HandlerName, string>>>;
}

/** Folder of the geolocation files inside an ingest function's code. */
const GEO_FOLDER = 'geo';

/** The offline geolocation files (from the installed npm packages) and their place in the function's code. */
export function geoDataFiles(): { from: string; to: string }[] {
  return Object.values(GEO_DATA_FILES).map(({ package: pkg, file }) => ({
    from: path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file),
    to: `${GEO_FOLDER}/${file}`,
  }));
}

/** The analyzer functions, their permissions and their triggers (see the module comment). */
export class Analyzers extends Construct {
  readonly intelBucket: s3.IBucket;
  readonly ingestS3?: AnalyzerFunction;
  readonly ingestStream?: AnalyzerFunction;
  readonly ingestCloudTrailEvent?: AnalyzerFunction;
  readonly publishUpdates?: AnalyzerFunction;
  /** Runs publish-updates; absent for IMMEDIATE. */
  readonly publishSchedule?: events.Rule;

  private readonly props: AnalyzersProps;
  private readonly intelGrant: { objectArns: string[]; keyArn?: string };

  constructor(scope: Construct, id: string, props: AnalyzersProps) {
    super(scope, id);
    this.props = props;
    const intel = props.intel ?? { lists: [] };
    const publishFrequency = props.publishFrequency ?? 'SIX_HOURS';
    const { ingestion } = props;

    this.intelBucket = this.resolveIntelBucket(intel);
    this.intelGrant = {
      objectArns: intel.lists.map((list) => this.intelBucket.arnForObjects(list.key)),
      keyArn: intel.bucketName === undefined ? props.encryptionKey.key.keyArn : intel.kmsKeyArn,
    };
    const ingestEnvironment: Record<string, string> = {
      [ENV.FINDINGS_TABLE]: props.store.findingsTable.tableName,
      [ENV.STATE_TABLE]: props.store.stateTable.tableName,
      [ENV.FINDINGS_BUS]: props.bus.eventBus.eventBusName,
      [ENV.PUBLISH_FREQUENCY]: publishFrequency,
      [ENV.INTEL_BUCKET]: this.intelBucket.bucketName,
      [ENV.INTEL_LISTS]: JSON.stringify(intel.lists),
      [ENV.SUPPRESSION_RULES]: JSON.stringify(props.suppressionRules ?? []),
      [ENV.FLOW_LOG_FORMAT]: props.flowLogFormat ?? DEFAULT_FLOW_LOG_FORMAT,
      [ENV.DEFAULT_ACCOUNT]: Aws.ACCOUNT_ID,
      [ENV.DEFAULT_REGION]: Aws.REGION,
    };

    if (ingestion.notificationQueue) {
      this.ingestS3 = this.ingestFunction('IngestS3', 'INGEST_S3', 'Vigil: analyzes log files delivered to S3', ingestEnvironment, props.s3IngestTimeout ?? Duration.minutes(5));
      ingestion.grantReadLogs(this.ingestS3.role);
      this.ingestS3.function.addEventSource(
        new sources.SqsEventSource(ingestion.notificationQueue, {
          batchSize: 10,
          reportBatchItemFailures: true,
          maxConcurrency: props.s3MaxConcurrency ?? 10,
        }),
      );
    }
    if (ingestion.logStream && ingestion.streamFailureQueue) {
      this.ingestStream = this.ingestFunction('IngestStream', 'INGEST_STREAM', 'Vigil: analyzes CloudWatch Logs records from Kinesis', ingestEnvironment, Duration.minutes(2));
      this.ingestStream.function.addEventSource(
        new sources.KinesisEventSource(ingestion.logStream, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(5),
          reportBatchItemFailures: true,
          bisectBatchOnError: true,
          retryAttempts: props.streamRetryAttempts ?? 3,
          maxRecordAge: props.streamMaxRecordAge ?? Duration.hours(6),
          onFailure: new sources.SqsDlq(ingestion.streamFailureQueue),
        }),
      );
      acknowledgeQueueSendGrant(this.ingestStream.role);
    }
    if (ingestion.cloudTrailEventRule && ingestion.cloudTrailEventDeadLetterQueue) {
      const deadLetterQueue = ingestion.cloudTrailEventDeadLetterQueue;
      this.ingestCloudTrailEvent = this.ingestFunction('IngestCloudTrailEvent', 'INGEST_CLOUDTRAIL_EVENT', 'Vigil: analyzes CloudTrail events from EventBridge', ingestEnvironment, Duration.minutes(1));
      ingestion.cloudTrailEventRule.addTarget(
        new targets.LambdaFunction(this.ingestCloudTrailEvent.function, { deadLetterQueue, retryAttempts: 4, maxEventAge: Duration.hours(2) }),
      );
      this.ingestCloudTrailEvent.function.configureAsyncInvoke({
        onFailure: new destinations.SqsDestination(deadLetterQueue),
        retryAttempts: 2,
        maxEventAge: Duration.hours(2),
      });
      acknowledgeQueueSendGrant(this.ingestCloudTrailEvent.role);
    }

    const rate = PUBLISH_SCHEDULE[publishFrequency];
    if (rate) {
      this.publishUpdates = new AnalyzerFunction(this, 'PublishUpdates', {
        entry: this.entry('PUBLISH_UPDATES'),
        description: 'Vigil: publishes updates to existing findings',
        encryptionKey: props.encryptionKey.key,
        timeout: Duration.minutes(5),
        environment: {
          [ENV.FINDINGS_TABLE]: props.store.findingsTable.tableName,
          [ENV.FINDINGS_BUS]: props.bus.eventBus.eventBusName,
          [ENV.PUBLISH_FREQUENCY]: publishFrequency,
          [ENV.DEFAULT_ACCOUNT]: Aws.ACCOUNT_ID,
          [ENV.DEFAULT_REGION]: Aws.REGION,
        },
      });
      props.store.grantReadWriteFindings(this.publishUpdates.role);
      props.bus.grantPublish(this.publishUpdates.role);
      this.publishSchedule = new events.Rule(this, 'PublishSchedule', {
        description: `Vigil: publishes finding updates every ${rate.toHumanString()}`,
        schedule: events.Schedule.rate(rate),
        // A missed run is harmless: the next one publishes everything still marked.
        targets: [new targets.LambdaFunction(this.publishUpdates.function, { retryAttempts: 2 })],
      });
    }
  }

  /** Every function, labelled, for alarms and the dashboard. */
  get functions(): MonitoredFunction[] {
    const labelled: [string, AnalyzerFunction | undefined][] = [
      ['ingest-s3', this.ingestS3],
      ['ingest-stream', this.ingestStream],
      ['ingest-cloudtrail-event', this.ingestCloudTrailEvent],
      ['publish-updates', this.publishUpdates],
    ];
    return labelled.filter((entry): entry is [string, AnalyzerFunction] => entry[1] !== undefined).map(([label, fn]) => ({ label, fn: fn.function }));
  }

  private ingestFunction(id: string, handler: HandlerName, description: string, environment: Record<string, string>, timeout: Duration): AnalyzerFunction {
    const { store, bus, encryptionKey } = this.props;
    const geo = this.props.geo !== false;
    const analyzer = new AnalyzerFunction(this, id, {
      entry: this.entry(handler),
      description,
      encryptionKey: encryptionKey.key,
      environment: geo ? { ...environment, [ENV.GEO_DATA_DIR]: GEO_FOLDER } : environment,
      timeout,
      memorySize: this.props.ingestMemorySize ?? 1024,
      ...(geo ? { files: geoDataFiles() } : {}),
    });
    store.grantReadWriteFindings(analyzer.role);
    store.grantReadWriteState(analyzer.role);
    bus.grantPublish(analyzer.role);
    this.grantReadIntel(analyzer.role);
    analyzer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces'], resources: ['*'] }),
    );
    acknowledgeWildcardResource(
      analyzer.role,
      '*',
      'ec2:DescribeInstances and ec2:DescribeNetworkInterfaces support no resource-level permissions; they are read-only and enrich findings with instance details.',
    );
    return analyzer;
  }

  /** `s3:GetObject` on exactly the configured list objects. */
  private grantReadIntel(role: iam.Role): void {
    if (this.intelGrant.objectArns.length === 0) return;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: this.intelGrant.objectArns }));
    if (this.intelGrant.keyArn) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.intelGrant.keyArn] }));
  }

  private resolveIntelBucket(intel: IntelConfig): s3.IBucket {
    if (intel.bucketName !== undefined) return s3.Bucket.fromBucketName(this, 'ExistingIntelBucket', intel.bucketName);
    if (!this.props.serverAccessLogsBucket) {
      throw new AnalyzersError('Vigil creates the intel bucket when intel.bucketName is not set, and that needs serverAccessLogsBucket.');
    }
    return new SecureBucket(this, 'IntelBucket', {
      encryptionKey: this.props.encryptionKey.key,
      serverAccessLogsBucket: this.props.serverAccessLogsBucket,
      versioned: true,
    }).bucket;
  }

  private entry(handler: HandlerName): string {
    return this.props.handlerEntries?.[handler] ?? HANDLER_ENTRIES[handler];
  }
}

/** The CDK grants behind SQS failure destinations use KMS action wildcards on the Vigil key. */
function acknowledgeQueueSendGrant(role: iam.Role): void {
  for (const action of QUEUE_SEND_KMS_WILDCARDS) acknowledgeWildcardAction(role, action, QUEUE_SEND_KMS_REASON);
}

/** An analyzers setup that cannot be built as configured. */
export class AnalyzersError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AnalyzersError';
  }
}
