/**
 * The Vigil stack: composes one construct per concern from the validated configuration. No resources are
 * defined here, and nothing depends on the deployment environment (no `env`, no lookups), so the same
 * template deploys to any account and region and synthesizes offline.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { VigilConfig } from './config';
import { Analyzers, type HandlerName } from './constructs/analyzers';
import { EncryptionKey } from './constructs/encryption-key';
import { FindingsBus } from './constructs/findings-bus';
import { FindingsStore } from './constructs/findings-store';
import { LogIngestion } from './constructs/log-ingestion';
import { Monitoring } from './constructs/monitoring';
import { Remediation, type RemediationSettings } from './constructs/remediation';
import { AccessLogsBucket } from './constructs/secure-bucket';

export interface VigilStackProps extends StackProps {
  /** The validated configuration, usually `readConfig(app)`. */
  readonly config: VigilConfig;
  /**
   * Handler files to bundle instead of those in HANDLER_ENTRIES (tests, forks).
   * @default - HANDLER_ENTRIES
   */
  readonly handlerEntries?: Partial<Readonly<Record<HandlerName, string>>>;
}

/** Vigil in one stack: key, store, bus, ingestion, analyzers and monitoring, wired from the configuration. */
export class VigilStack extends Stack {
  readonly config: VigilConfig;
  /** The customer-managed key of all data at rest; extensions (remediation, console) encrypt with it too. */
  readonly encryptionKey: EncryptionKey;
  readonly store: FindingsStore;
  /** Extensions subscribe to findings with rules on `findingsBus.eventBus` (pattern `FindingsBus.FINDING_PATTERN`). */
  readonly findingsBus: FindingsBus;
  readonly ingestion: LogIngestion;
  readonly analyzers: Analyzers;
  readonly monitoring: Monitoring;
  /** Automated response (WAF and NACL blocking), when `vigil:remediation` is configured. */
  readonly remediation?: Remediation;

  constructor(scope: Construct, id: string, props: VigilStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const { sources } = config;

    this.encryptionKey = new EncryptionKey(this, 'EncryptionKey');
    const createsBuckets = [sources.cloudTrail, sources.vpcFlow, sources.resolver].some((source) => source && source.bucketName === undefined) || config.intel.bucketName === undefined;
    const accessLogs = createsBuckets ? new AccessLogsBucket(this, 'AccessLogs', { expirationDays: config.logExpirationDays }) : undefined;

    this.store = new FindingsStore(this, 'FindingsStore', { encryptionKey: this.encryptionKey.key });
    this.findingsBus = new FindingsBus(this, 'FindingsBus', {
      encryptionKey: this.encryptionKey,
      archiveRetention: Duration.days(config.archiveRetentionDays),
      alertMinSeverity: config.alertMinSeverity,
      alertEmail: config.findingsEmail,
    });
    this.ingestion = new LogIngestion(this, 'LogIngestion', {
      encryptionKey: this.encryptionKey,
      serverAccessLogsBucket: accessLogs?.bucket,
      cloudTrail: sources.cloudTrail,
      vpcFlow: sources.vpcFlow,
      resolver: sources.resolver,
      logStream: sources.logStream,
      cloudTrailEvents: sources.cloudTrailEvents,
      organization: config.organization,
      logExpirationDays: config.logExpirationDays,
    });
    this.analyzers = new Analyzers(this, 'Analyzers', {
      encryptionKey: this.encryptionKey,
      ingestion: this.ingestion,
      store: this.store,
      bus: this.findingsBus,
      publishFrequency: config.publishFrequency,
      intel: config.intel,
      serverAccessLogsBucket: accessLogs?.bucket,
      suppressionRules: config.suppressionRules,
      flowLogFormat: config.flowLogFormat,
      geo: config.geo,
      handlerEntries: props.handlerEntries,
    });
    if (config.remediation) {
      // The respond queue is KMS-encrypted; EventBridge must be allowed to use the key to deliver to it.
      this.encryptionKey.allowEventBridgeTargets();
      const trusted = config.intel.lists.filter((list) => list.kind === 'trusted');
      this.remediation = new Remediation(this, 'Remediation', {
        findingsBus: this.findingsBus.eventBus,
        encryptionKey: this.encryptionKey.key,
        // Validated in full by the respond function at start-up (lambdas/response/config.ts).
        settings: config.remediation as RemediationSettings,
        ...(trusted.length
          ? { trustedLists: { bucket: this.analyzers.intelBucket, lists: trusted.map((l) => ({ key: l.key, name: l.name, category: l.category, kind: 'trusted' as const })) } }
          : {}),
      });
    }
    const remediationFunctions = this.remediation
      ? [
          { label: 'respond', fn: this.remediation.respondFunction.function },
          { label: 'expire-blocks', fn: this.remediation.expireFunction.function },
        ]
      : [];
    this.monitoring = new Monitoring(this, 'Monitoring', {
      encryptionKey: this.encryptionKey,
      functions: [...this.analyzers.functions, ...remediationFunctions],
      deadLetterQueues: [
        ...this.ingestion.deadLetterQueues,
        { label: 'Findings bus', queue: this.findingsBus.deadLetterQueue },
        ...(this.remediation ? [{ label: 'Findings for automated response', queue: this.remediation.deadLetterQueue }] : []),
      ],
      streams: this.ingestion.logStream ? [{ label: 'Log stream', stream: this.ingestion.logStream }] : [],
      alarmEmail: config.alarmEmail,
    });

    this.output('FindingsBusName', this.findingsBus.eventBus.eventBusName, 'Custom event bus carrying Vigil findings');
    this.output('FindingsTableName', this.store.findingsTable.tableName, 'DynamoDB table of findings');
    this.output('AlertTopicArn', this.findingsBus.alertTopic.topicArn, 'SNS topic of high-severity findings');
    this.output('EncryptionKeyArn', this.encryptionKey.key.keyArn, 'KMS key of all Vigil data at rest (use it for trails that write to the log bucket)');
    this.output('IntelBucketName', this.analyzers.intelBucket.bucketName, 'Bucket holding threat and trusted lists');
    if (this.ingestion.logBucket) this.output('LogBucketName', this.ingestion.logBucket.bucketName, 'Bucket to deliver CloudTrail, VPC flow and Resolver logs to');
    if (this.ingestion.notificationQueue) this.output('NotificationQueueArn', this.ingestion.notificationQueue.queueArn, 'Queue for S3 notifications of buckets in other accounts');
    if (this.remediation) this.output('BlockRegistryTableName', this.remediation.registry.tableName, 'DynamoDB table of blocks (vigil blocks list --table …)');
    if (this.ingestion.crossAccountLogDestination) this.output('LogDestinationArn', this.ingestion.crossAccountLogDestination.attrArn, 'CloudWatch Logs destination for member-account subscriptions');
  }

  private output(id: string, value: string, description: string): void {
    new CfnOutput(this, id, { value, description });
  }
}

