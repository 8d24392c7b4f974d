/**
 * How logs reach the analyzers. Three paths, each optional:
 *
 * - **S3**: CloudTrail, VPC flow and Resolver query logs delivered to existing buckets or to a bucket Vigil
 *   creates → S3 event notifications → one SQS queue (with a dead-letter queue) → ingest-s3 Lambda.
 * - **Kinesis**: CloudWatch Logs groups subscribed to a Kinesis stream → ingest-stream Lambda; records that
 *   keep failing go to an on-failure queue.
 * - **EventBridge**: CloudTrail management events from the default event bus → ingest-cloudtrail-event
 *   Lambda, seconds after the call instead of the minutes S3 delivery takes.
 *
 * Multi-account: with `organization` set, Vigil's own log bucket lets CloudTrail (`cloudtrail.amazonaws.com`)
 * and log delivery (`delivery.logs.amazonaws.com`, which writes flow and Resolver logs) write from the listed
 * member accounts (`aws:SourceAccount`) and from any account of the organization (`aws:SourceOrgID`), and the
 * Vigil key lets those services encrypt with it under the same conditions. An organization trail writes below
 * `AWSLogs/o-<org>/`, which the notification prefix `AWSLogs/` covers. The Kinesis path gains a CloudWatch
 * Logs destination that member accounts subscribe their log groups to, and the EventBridge path gains a
 * default-bus policy so member accounts can forward their CloudTrail events. Existing buckets keep their own
 * policies: their owner grants delivery, and grants Vigil's ingest role `s3:GetObject` when the bucket is in
 * another account.
 */
import { ArnFormat, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LogStreamConfig, OrganizationConfig, S3SourceConfig } from '../config';
import { logKeyPrefix, mergeOverlappingFilters, notificationFilter, type KeyFilter, type S3LogSource } from '../log-layout';
import { acknowledgeWildcardResource, nagArnOf } from '../nag';
import type { EncryptionKey } from './encryption-key';
import type { MonitoredQueue } from './monitoring';
import { SecureBucket } from './secure-bucket';

/** CloudTrail's detail types on EventBridge (Insights events are left out: they are not API calls). */
export const CLOUDTRAIL_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Console Signin via CloudTrail',
  'AWS Console Action via CloudTrail',
  'AWS Service Event via CloudTrail',
] as const;

export interface LogIngestionProps {
  /** Encrypts the log bucket, the queues and the stream. */
  readonly encryptionKey: EncryptionKey;
  /**
   * Target of the server access logs of the log bucket Vigil creates. Required when a source has no
   * `bucketName`.
   * @default - none; creating the log bucket then fails
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * CloudTrail log files in S3.
   * @default - not ingested from S3
   */
  readonly cloudTrail?: S3SourceConfig;
  /**
   * VPC flow log files in S3.
   * @default - not ingested from S3
   */
  readonly vpcFlow?: S3SourceConfig;
  /**
   * Route 53 Resolver query log files in S3.
   * @default - not ingested from S3
   */
  readonly resolver?: S3SourceConfig;
  /**
   * The Kinesis stream fed by CloudWatch Logs subscriptions.
   * @default - no stream
   */
  readonly logStream?: LogStreamConfig;
  /**
   * Take CloudTrail management events from the default event bus as well.
   * @default false
   */
  readonly cloudTrailEvents?: boolean;
  /**
   * Other accounts that deliver logs to Vigil.
   * @default - this account only
   */
  readonly organization?: OrganizationConfig;
  /**
   * Days before objects in Vigil's log bucket expire.
   * @default 365
   */
  readonly logExpirationDays?: number;
  /**
   * How long a notification stays invisible while the ingest-s3 function works on it. Lambda requires at
   * least the function timeout; AWS recommends six times it, so a throttled batch is not retried too early.
   * @default Duration.minutes(30)
   */
  readonly notificationVisibilityTimeout?: Duration;
  /**
   * Receives before a notification moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/** Log files are written with this ACL; with ACLs disabled it is accepted and the bucket owner owns them. */
const BUCKET_OWNER_FULL_CONTROL = { 's3:x-amz-acl': 'bucket-owner-full-control' } as const;

/** What a delivering service may do in Vigil's bucket, before the account or organization condition is added. */
interface DeliveryGrant {
  readonly actions: string[];
  readonly resources: string[];
  /** Resources for the organization-wide statement. @default resources */
  readonly orgResources?: string[];
  readonly condition?: Readonly<Record<string, string>>;
}

/** One S3 source as it was resolved to a bucket. */
interface ResolvedSource {
  readonly source: S3LogSource;
  readonly config: S3SourceConfig;
  readonly bucket: s3.IBucket;
  /** Object ARN pattern of the source's logs, and how cdk-nag prints it. */
  readonly objectArn: string;
  readonly nagObjectArn: string;
  readonly decryptKeyArn?: string;
}

/** The S3, Kinesis and EventBridge input paths of Vigil (see the module comment), each built only when configured. */
export class LogIngestion extends Construct {
  /** The bucket Vigil created for sources that name no bucket of their own. */
  readonly logBucket?: s3.IBucket;
  /** Receives the S3 event notifications of every S3 source. */
  readonly notificationQueue?: sqs.Queue;
  readonly notificationDeadLetterQueue?: sqs.Queue;
  readonly logStream?: kinesis.Stream;
  /** On-failure destination of the stream's event source mapping. */
  readonly streamFailureQueue?: sqs.Queue;
  /** Matches CloudTrail events on the default event bus; the analyzers add the target. */
  readonly cloudTrailEventRule?: events.Rule;
  /** Undeliverable or failed CloudTrail events of the EventBridge path. */
  readonly cloudTrailEventDeadLetterQueue?: sqs.Queue;
  /** The CloudWatch Logs destination member accounts subscribe their log groups to. */
  readonly crossAccountLogDestination?: logs.CfnDestination;

  private readonly key: EncryptionKey;
  private readonly organization: OrganizationConfig;
  private readonly sources: ResolvedSource[] = [];
  /** Key policy grants already added, so sources sharing a delivery service add theirs once. */
  private readonly keyDeliveryGrants = new Set<string>();
  /** Key prefixes already open to log delivery in Vigil's bucket. */
  private readonly logDeliveryPrefixes = new Set<string>();

  constructor(scope: Construct, id: string, props: LogIngestionProps) {
    super(scope, id);
    this.key = props.encryptionKey;
    this.organization = props.organization ?? { memberAccountIds: [] };

    const configured = (
      [
        ['cloudTrail', props.cloudTrail],
        ['vpcFlow', props.vpcFlow],
        ['resolver', props.resolver],
      ] as const
    ).filter((entry): entry is readonly [S3LogSource, S3SourceConfig] => entry[1] !== undefined);

    if (configured.some(([, config]) => config.bucketName === undefined)) {
      this.logBucket = this.createLogBucket(props, configured.filter(([, config]) => config.bucketName === undefined));
    }
    if (configured.length > 0) {
      this.notificationDeadLetterQueue = this.encryptedQueue('NotificationDeadLetterQueue', { retentionPeriod: Duration.days(14) });
      this.notificationQueue = this.encryptedQueue('NotificationQueue', {
        visibilityTimeout: props.notificationVisibilityTimeout ?? Duration.minutes(30),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: this.notificationDeadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      });
      this.resolveSources(configured);
      this.subscribeQueueToBuckets(this.notificationQueue);
    }
    if (props.logStream) {
      this.logStream = this.createLogStream(props.logStream);
      this.streamFailureQueue = this.encryptedQueue('StreamFailureQueue', { retentionPeriod: Duration.days(14) });
      Validations.of(this.streamFailureQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the on-failure destination of the Kinesis event source mapping: records land here after the retries and have nowhere further to go.',
      });
      if (this.hasOtherAccounts()) this.crossAccountLogDestination = this.createCrossAccountDestination(this.logStream);
    }
    if (props.cloudTrailEvents) {
      this.key.allowEventBridgeTargets();
      this.cloudTrailEventDeadLetterQueue = this.encryptedQueue('CloudTrailEventDeadLetterQueue', { retentionPeriod: Duration.days(14) });
      Validations.of(this.cloudTrailEventDeadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of the CloudTrail event rule target and of the function it invokes.',
      });
      this.cloudTrailEventRule = new events.Rule(this, 'CloudTrailEventRule', {
        description: 'Vigil: CloudTrail management events for near-real-time detection',
        eventPattern: { detailType: [...CLOUDTRAIL_DETAIL_TYPES] },
      });
      if (this.hasOtherAccounts()) this.allowMemberAccountsOnDefaultBus();
    }
  }

  /** Every dead-letter or on-failure queue of the enabled paths. */
  get deadLetterQueues(): MonitoredQueue[] {
    const queues: MonitoredQueue[] = [];
    if (this.notificationDeadLetterQueue) queues.push({ label: 'S3 notifications', queue: this.notificationDeadLetterQueue });
    if (this.streamFailureQueue) queues.push({ label: 'Kinesis records', queue: this.streamFailureQueue });
    if (this.cloudTrailEventDeadLetterQueue) queues.push({ label: 'CloudTrail events', queue: this.cloudTrailEventDeadLetterQueue });
    return queues;
  }

  /**
   * Lets `grantee` read the log objects of every S3 source (`s3:GetObject` below each source's `AWSLogs/`)
   * and decrypt them. The object keys are chosen by the delivering services, so the grant is a prefix.
   */
  grantReadLogs(grantee: iam.IGrantable): void {
    if (this.sources.length === 0) return;
    const objectArns = [...new Set(this.sources.map((source) => source.objectArn))];
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: objectArns });
    const keyArns = [...new Set(this.sources.map((source) => source.decryptKeyArn).filter((arn): arn is string => arn !== undefined))];
    if (keyArns.length > 0) iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt'], resourceArns: keyArns });
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      for (const nagArn of new Set(this.sources.map((source) => source.nagObjectArn))) {
        acknowledgeWildcardResource(
          principal,
          nagArn,
          'Log files are named by the delivering service (account, region, date, random suffix); the grant is limited to the AWSLogs/ prefix of a configured log source.',
        );
      }
    }
  }

  // ─── S3 path ─────────────────────────────────────────────────────────────────────────────────────────────

  private createLogBucket(props: LogIngestionProps, sources: readonly (readonly [S3LogSource, S3SourceConfig])[]): s3.IBucket {
    if (!props.serverAccessLogsBucket) {
      throw new LogIngestionError('A log source without bucketName needs Vigil\'s log bucket, which needs serverAccessLogsBucket for its access logs.');
    }
    const bucket = new SecureBucket(this, 'LogBucket', {
      encryptionKey: this.key.key,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      expirationDays: props.logExpirationDays ?? 365,
    }).bucket;
    for (const [source, config] of sources) {
      if (source === 'cloudTrail') this.allowCloudTrailDelivery(bucket, config.keyPrefix);
      else this.allowLogDelivery(bucket, config.keyPrefix);
    }
    return bucket;
  }

  /**
   * CloudTrail checks the bucket ACL, then writes `<prefix>/AWSLogs/<account>/…` (or `…/AWSLogs/o-<org>/…`
   * for an organization trail) with the `bucket-owner-full-control` ACL.
   */
  private allowCloudTrailDelivery(bucket: s3.Bucket, keyPrefix: string | undefined): void {
    const service = 'cloudtrail.amazonaws.com';
    const base = logKeyPrefix(keyPrefix);
    const accounts = this.sourceAccounts();
    const orgId = this.organization.organizationId;
    this.addDeliveryStatements(bucket, service, 'CloudTrail', [
      { actions: ['s3:GetBucketAcl'], resources: [bucket.bucketArn] },
      {
        actions: ['s3:PutObject'],
        resources: accounts.map((account) => bucket.arnForObjects(`${base}${account}/*`)),
        orgResources: orgId ? [bucket.arnForObjects(`${base}${orgId}/*`)] : [],
        condition: BUCKET_OWNER_FULL_CONTROL,
      },
    ]);
    this.allowKeyForDelivery(service, 'CloudTrail', ['kms:GenerateDataKey*', 'kms:DescribeKey']);
  }

  /**
   * Log delivery (flow logs, Resolver query logs) checks the ACL and lists the bucket, then writes
   * `<prefix>/AWSLogs/<account>/…` or, with Hive-compatible partitions, `<prefix>/AWSLogs/aws-account-id=<account>/…`.
   */
  private allowLogDelivery(bucket: s3.Bucket, keyPrefix: string | undefined): void {
    const service = 'delivery.logs.amazonaws.com';
    const base = logKeyPrefix(keyPrefix);
    // Flow and Resolver logs share the service principal: one set of statements per distinct prefix.
    if (this.logDeliveryPrefixes.has(base)) return;
    this.logDeliveryPrefixes.add(base);
    const accounts = this.sourceAccounts();
    const label = `LogDelivery${this.logDeliveryPrefixes.size}`;
    this.addDeliveryStatements(bucket, service, label, [
      { actions: ['s3:GetBucketAcl', 's3:ListBucket'], resources: [bucket.bucketArn] },
      {
        actions: ['s3:PutObject'],
        resources: accounts.flatMap((account) => [bucket.arnForObjects(`${base}${account}/*`), bucket.arnForObjects(`${base}aws-account-id=${account}/*`)]),
        // Organization accounts cannot be listed ahead of time; aws:SourceOrgID restricts the writers instead.
        orgResources: [bucket.arnForObjects(`${base}*`)],
        condition: BUCKET_OWNER_FULL_CONTROL,
      },
    ]);
    this.allowKeyForDelivery(service, 'LogDelivery', ['kms:GenerateDataKey*', 'kms:Decrypt']);
  }

  /** Adds each grant twice: for the listed accounts (`aws:SourceAccount`) and for the organization (`aws:SourceOrgID`). */
  private addDeliveryStatements(bucket: s3.Bucket, service: string, label: string, grants: readonly DeliveryGrant[]): void {
    const orgId = this.organization.organizationId;
    grants.forEach((grant, index) => {
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `${label}Delivery${index}Accounts`,
          principals: [new iam.ServicePrincipal(service)],
          actions: grant.actions,
          resources: grant.resources,
          conditions: { StringEquals: { ...grant.condition, 'aws:SourceAccount': this.sourceAccounts() } },
        }),
      );
      if (orgId) {
        bucket.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: `${label}Delivery${index}Organization`,
            principals: [new iam.ServicePrincipal(service)],
            actions: grant.actions,
            resources: grant.orgResources ?? grant.resources,
            conditions: { StringEquals: { ...grant.condition, 'aws:SourceOrgID': orgId } },
          }),
        );
      }
    });
  }

  /** Objects written to the bucket are encrypted with the Vigil key on the delivering service's behalf. */
  private allowKeyForDelivery(service: string, label: string, actions: string[]): void {
    if (this.keyDeliveryGrants.has(label)) return;
    this.keyDeliveryGrants.add(label);
    this.key.allowServiceUse({ sid: `${label}EncryptLogsForAccounts`, service, actions, conditions: { StringEquals: { 'aws:SourceAccount': this.sourceAccounts() } } });
    const orgId = this.organization.organizationId;
    if (orgId) {
      this.key.allowServiceUse({ sid: `${label}EncryptLogsForOrganization`, service, actions, conditions: { StringEquals: { 'aws:SourceOrgID': orgId } } });
    }
  }

  private resolveSources(configured: readonly (readonly [S3LogSource, S3SourceConfig])[]): void {
    const imported = new Map<string, s3.IBucket>();
    for (const [source, config] of configured) {
      const prefix = `${logKeyPrefix(config.keyPrefix)}*`;
      if (config.bucketName === undefined) {
        const bucket = this.logBucket!;
        this.sources.push({
          source,
          config,
          bucket,
          objectArn: bucket.arnForObjects(prefix),
          nagObjectArn: `${nagArnOf((bucket as s3.Bucket).node.defaultChild as s3.CfnBucket)}/${prefix}`,
          decryptKeyArn: this.key.key.keyArn,
        });
        continue;
      }
      let bucket = imported.get(config.bucketName);
      if (!bucket) {
        bucket = s3.Bucket.fromBucketName(this, `ExistingBucket${imported.size}`, config.bucketName);
        imported.set(config.bucketName, bucket);
      }
      this.sources.push({
        source,
        config,
        bucket,
        objectArn: `arn:${Aws.PARTITION}:s3:::${config.bucketName}/${prefix}`,
        nagObjectArn: `arn:<AWS::Partition>:s3:::${config.bucketName}/${prefix}`,
        decryptKeyArn: config.kmsKeyArn,
      });
    }
  }

  /**
   * One notification per distinct, non-overlapping key filter of each bucket. A bucket in another account
   * cannot be configured from here: the queue and key only let that bucket notify, and its owner adds the
   * notification.
   */
  private subscribeQueueToBuckets(queue: sqs.Queue): void {
    const byBucket = new Map<string, { bucket: s3.IBucket; filters: KeyFilter[]; ownerAccount?: string; bucketName?: string }>();
    for (const source of this.sources) {
      const id = source.config.bucketName ?? '';
      const entry = byBucket.get(id) ?? { bucket: source.bucket, filters: [], ownerAccount: source.config.bucketAccountId, bucketName: source.config.bucketName };
      entry.filters.push(notificationFilter(source.source, source.config.keyPrefix));
      byBucket.set(id, entry);
    }
    for (const { bucket, filters, ownerAccount, bucketName } of byBucket.values()) {
      if (ownerAccount !== undefined && bucketName !== undefined) {
        this.allowCrossAccountNotifications(queue, bucketName, ownerAccount);
        continue;
      }
      const destination = new EncryptedQueueDestination(queue);
      for (const filter of mergeOverlappingFilters(filters)) bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, filter);
    }
    const bucketOwners = [...new Set([Aws.ACCOUNT_ID, ...[...byBucket.values()].flatMap((entry) => (entry.ownerAccount ? [entry.ownerAccount] : []))])];
    // Scoped by account, not by bucket ARN: naming Vigil's own bucket here would make the key depend on the
    // bucket it encrypts, a cycle CloudFormation cannot deploy.
    this.key.allowServiceUse({
      sid: 'S3NotificationsToEncryptedQueue',
      service: 's3.amazonaws.com',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      conditions: { StringEquals: { 'aws:SourceAccount': bucketOwners } },
    });
    this.acknowledgeNotificationHandler();
  }

  private allowCrossAccountNotifications(queue: sqs.Queue, bucketName: string, ownerAccount: string): void {
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': `arn:${Aws.PARTITION}:s3:::${bucketName}` }, StringEquals: { 'aws:SourceAccount': ownerAccount } },
      }),
    );
  }

  /** CDK applies bucket notifications through one singleton custom-resource function per stack. */
  private acknowledgeNotificationHandler(): void {
    const handler = Stack.of(this).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (!handler) return;
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK-provided custom resource that applies S3 event notifications at deploy time; its role has the basic execution managed policy (CloudWatch Logs only) and a PutBucketNotification grant per bucket.',
    });
  }

  // ─── Kinesis path ────────────────────────────────────────────────────────────────────────────────────────

  private createLogStream(config: LogStreamConfig): kinesis.Stream {
    const stream = new kinesis.Stream(this, 'LogStream', {
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: config.shardCount,
      retentionPeriod: Duration.hours(config.retentionHours),
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: this.key.key,
    });
    Validations.of(stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason: 'Vigil encrypts all data at rest with its customer-managed key (rotation on, auditable, revocable); the extra KMS cost is accepted.',
    });
    if (config.logGroups.length > 0) {
      const role = this.subscriptionRole(stream, this.sourceAccounts().slice(0, 1));
      config.logGroups.forEach((group, index) => {
        new logs.SubscriptionFilter(this, `Subscription${index}`, {
          logGroup: logs.LogGroup.fromLogGroupName(this, `SubscribedLogGroup${index}`, group.logGroupName),
          destination: { bind: () => ({ arn: stream.streamArn, role }) },
          filterPattern: logs.FilterPattern.literal(group.filterPattern),
        });
      });
    }
    return stream;
  }

  /** The role CloudWatch Logs assumes to put subscription records, limited to the given accounts' log groups. */
  private subscriptionRole(stream: kinesis.Stream, accounts: readonly string[], id = 'SubscriptionRole'): iam.Role {
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com').withConditions({
        StringLike: { 'aws:SourceArn': accounts.map((account) => `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${account}:*`) },
      }),
      description: 'Vigil: lets CloudWatch Logs put subscribed log events on the Vigil log stream',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [stream.streamArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [this.key.key.keyArn] }));
    return role;
  }

  /**
   * Member accounts subscribe log groups to this destination (`PutSubscriptionFilter` with its ARN); records
   * arrive on the same stream.
   */
  private createCrossAccountDestination(stream: kinesis.Stream): logs.CfnDestination {
    const orgId = this.organization.organizationId;
    const role = this.subscriptionRole(stream, this.sourceAccounts(), 'CrossAccountSubscriptionRole');
    if (orgId) {
      role.assumeRolePolicy?.addStatements(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('logs.amazonaws.com')],
          actions: ['sts:AssumeRole'],
          conditions: { StringEquals: { 'aws:SourceOrgID': orgId } },
        }),
      );
    }
    const stack = Stack.of(this);
    const destinationName = `${stack.stackName}-logs`;
    const destinationArn = stack.formatArn({ service: 'logs', resource: 'destination', resourceName: destinationName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const statements: Record<string, unknown>[] = [];
    if (this.organization.memberAccountIds.length > 0) {
      statements.push({ Sid: 'MemberAccounts', Effect: 'Allow', Principal: { AWS: [...this.organization.memberAccountIds] }, Action: 'logs:PutSubscriptionFilter', Resource: destinationArn });
    }
    if (orgId) {
      statements.push({ Sid: 'Organization', Effect: 'Allow', Principal: '*', Action: 'logs:PutSubscriptionFilter', Resource: destinationArn, Condition: { StringEquals: { 'aws:PrincipalOrgID': orgId } } });
    }
    const destination = new logs.CfnDestination(this, 'CrossAccountDestination', {
      destinationName,
      roleArn: role.roleArn,
      targetArn: stream.streamArn,
      destinationPolicy: stack.toJsonString({ Version: '2012-10-17', Statement: statements }),
    });
    destination.node.addDependency(role);
    return destination;
  }

  // ─── EventBridge path ────────────────────────────────────────────────────────────────────────────────────

  /** Member accounts forward their CloudTrail events with a rule targeting this account's default bus. */
  private allowMemberAccountsOnDefaultBus(): void {
    const orgId = this.organization.organizationId;
    const busArn = `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`;
    if (this.organization.memberAccountIds.length > 0) {
      this.organization.memberAccountIds.forEach((account) => {
        new events.CfnEventBusPolicy(this, `DefaultBusAllows${account}`, {
          eventBusName: 'default',
          statementId: `vigil-${account}`,
          statement: { Effect: 'Allow', Principal: { AWS: `arn:${Aws.PARTITION}:iam::${account}:root` }, Action: 'events:PutEvents', Resource: busArn },
        });
      });
    }
    if (orgId) {
      new events.CfnEventBusPolicy(this, 'DefaultBusAllowsOrganization', {
        eventBusName: 'default',
        statementId: `vigil-${orgId}`,
        statement: { Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: busArn, Condition: { StringEquals: { 'aws:PrincipalOrgID': orgId } } },
      });
    }
  }

  // ─── shared ──────────────────────────────────────────────────────────────────────────────────────────────

  private encryptedQueue(id: string, props: sqs.QueueProps): sqs.Queue {
    return new sqs.Queue(this, id, {
      ...props,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key.key as kms.IKey,
      // Reusing a data key for an hour cuts KMS calls (and cost) by up to 12× against the 5-minute default.
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
    });
  }

  /** This account first, then the member accounts. */
  private sourceAccounts(): string[] {
    return [Aws.ACCOUNT_ID, ...this.organization.memberAccountIds];
  }

  private hasOtherAccounts(): boolean {
    return this.organization.organizationId !== undefined || this.organization.memberAccountIds.length > 0;
  }
}

/**
 * Sends a bucket's notifications to the queue. Unlike `SqsDestination`, it leaves the key policy alone (the
 * caller grants S3 the key by account): `SqsDestination` names the bucket in the key policy, and a key that
 * depends on the bucket it encrypts cannot be deployed.
 */
class EncryptedQueueDestination implements s3.IBucketNotificationDestination {
  constructor(private readonly queue: sqs.Queue) {}

  bind(_scope: Construct, bucket: s3.IBucket): s3.BucketNotificationDestinationConfig {
    const policy = this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn } },
      }),
    );
    // S3 sends a test message when the notification is saved, so the queue policy must exist first.
    return { type: s3.BucketNotificationDestinationType.QUEUE, arn: this.queue.queueArn, dependencies: policy.policyDependable ? [policy.policyDependable] : [] };
  }
}

/** A log ingestion setup that cannot be built as configured. */
export class LogIngestionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogIngestionError';
  }
}
