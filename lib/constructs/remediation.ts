/**
 * Automated response: the respond and expiry Lambdas, the block registry, the WAF IP sets (and, unless
 * told otherwise, a web ACL that blocks them), wired to the findings bus.
 *
 * Findings reach the respond function through an SQS queue rather than directly: a burst of findings then
 * arrives as one batch, and one batch makes one IP set update, which keeps WAF's optimistic locking and
 * update rate out of the way; reserved concurrency bounds how many batches contend for the same set.
 * Permissions are scoped to the IP sets and NACLs named here: WAF and NACL writes are granted only to
 * targets that are not `off`, and the respond function gets them only for targets in `enforce`.
 */
import { Arn, Aws, Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { acknowledgeWildcardAction, acknowledgeWildcardResource, nagArnOf, QUEUE_SEND_KMS_WILDCARDS } from '../nag';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { DETAIL_TYPE, ENV, EVENT_SOURCE, HANDLER_ENTRIES, BLOCK_REGISTRY_SCHEMA } from '../../lambdas/shared/constants';
import { AnalyzerFunction } from './analyzer-function';

export type RemediationMode = 'off' | 'dry-run' | 'enforce';

/** An IP set that exists already (in us-east-1 for CLOUDFRONT), referenced by a rule of your web ACL. */
export interface ExistingIpSet {
  readonly scope: 'REGIONAL' | 'CLOUDFRONT';
  readonly name: string;
  readonly id: string;
  readonly version: 'IPV4' | 'IPV6';
  /** Needed to scope the functions' permissions to this set. */
  readonly arn: string;
}

export interface WafRemediationSettings {
  /** @default 'dry-run' */
  readonly mode?: RemediationMode;
  /**
   * Scope of the IP sets and web ACL the stack creates. CLOUDFRONT works only in a stack deployed to
   * us-east-1; elsewhere, create the CLOUDFRONT sets there and name them in `existingIpSets`.
   * @default 'REGIONAL'
   */
  readonly scope?: 'REGIONAL' | 'CLOUDFRONT';
  /** Use these IP sets instead of creating a v4/v6 pair. @default none: the stack creates them */
  readonly existingIpSets?: readonly ExistingIpSet[];
  /** Create a web ACL that allows by default and blocks the IP sets. @default true when the sets are created */
  readonly createWebAcl?: boolean;
  /** REGIONAL resources (ALB, API Gateway stage, AppSync…) to associate the created web ACL with. @default none */
  readonly associateWith?: readonly string[];
  /** Addresses per IP set (WAF's limit: 10,000). @default 10000 */
  readonly capacity?: number;
}

export interface NaclRemediationSettings {
  /** @default 'dry-run' */
  readonly mode?: RemediationMode;
  /** NACLs that receive every NACL block. @default none */
  readonly naclIds?: readonly string[];
  /** Also block on the NACLs of the finding's subnets. In `enforce`, `vpcIds` must then be named. @default true */
  readonly findingSubnets?: boolean;
  /** VPCs whose NACLs may be changed for `findingSubnets` (IAM is scoped to them). @default none */
  readonly vpcIds?: readonly string[];
  /** Rule numbers reserved for Vigil's denies; keep them below your allow rules. @default 1–99 */
  readonly ruleRange?: { readonly first: number; readonly last: number };
  /** Entries per NACL per direction and address family (AWS default 20, up to 40). @default 20 */
  readonly rulesPerNacl?: number;
}

/**
 * The response configuration (the JSON the functions read from `VIGIL_RESPONSE_CONFIG`, see
 * docs/response.md); durations are seconds or strings such as `"6h"`, `"7d"`.
 */
export interface RemediationSettings {
  /** Finding types that act (exact, or prefix with `*`). @default every type that names an address */
  readonly findingTypes?: readonly string[];
  readonly excludeFindingTypes?: readonly string[];
  /** Number or level (`low`, `medium`, `high`, `critical`). @default 7 (High) */
  readonly minSeverity?: number | string;
  /** @default ['TARGET', 'ACTOR'] */
  readonly resourceRoles?: readonly ('TARGET' | 'ACTOR')[];
  /** @default low 1h, medium 6h, high 1d, critical 7d */
  readonly ttl?: { readonly low?: string | number; readonly medium?: string | number; readonly high?: string | number; readonly critical?: string | number };
  /** @default '30d' */
  readonly maxBlockDuration?: string | number;
  /** CIDRs never blocked. @default none */
  readonly allowList?: readonly string[];
  /** The account's own public CIDRs (Elastic IPs, NAT gateways), never blocked. @default none */
  readonly ownAddresses?: readonly string[];
  /** Private or reserved CIDRs that may nevertheless be blocked. @default none */
  readonly blockableNonPublic?: readonly string[];
  readonly waf?: WafRemediationSettings;
  readonly nacl?: NaclRemediationSettings;
}

export interface RemediationProps {
  /** The findings bus: `Vigil Finding` events in, `Vigil Remediation Action` events out. */
  readonly findingsBus: events.IEventBus;
  /**
   * Encrypts the registry, the queues and the log groups. EventBridge must be allowed to use it for the
   * queue targets (`EncryptionKey.allowEventBridgeTargets()`).
   */
  readonly encryptionKey: kms.IKey;
  /** @default every target in dry-run, default rules */
  readonly settings?: RemediationSettings;
  /** Trusted lists whose addresses are never blocked. @default none */
  readonly trustedLists?: { readonly bucket: s3.IBucket; readonly lists: readonly { readonly key: string; readonly name: string; readonly category: string; readonly kind: 'trusted' }[] };
  /** Concurrent respond invocations at most (contention on the IP sets). @default 1 */
  readonly reservedConcurrency?: number;
  /** @default Duration.minutes(5) */
  readonly expiryInterval?: Duration;
}


export class Remediation extends Construct {
  readonly registry: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly respondFunction: AnalyzerFunction;
  readonly expireFunction: AnalyzerFunction;
  /** The IP sets blocks go to (created or existing). */
  readonly ipSets: readonly ExistingIpSet[];
  readonly webAcl?: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: RemediationProps) {
    super(scope, id);
    const settings = props.settings ?? {};
    const wafMode = settings.waf?.mode ?? 'dry-run';
    const naclMode = settings.nacl?.mode ?? 'dry-run';
    const findingSubnets = settings.nacl?.findingSubnets ?? true;
    const vpcIds = settings.nacl?.vpcIds ?? [];
    if (naclMode === 'enforce' && findingSubnets && vpcIds.length === 0) {
      throw new Error('Remediation: nacl.findingSubnets in enforce mode needs nacl.vpcIds, so that NACL permissions are scoped to those VPCs');
    }

    // Names shared with the adapter that reads and writes the registry.
    const S = BLOCK_REGISTRY_SCHEMA;
    // dynamodb.Table rather than TableV2: TableV2 cannot render a customer-managed key in a region-agnostic stack.
    this.registry = new dynamodb.Table(this, 'BlockRegistry', {
      partitionKey: { name: S.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: S.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: S.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of [S.liveByTarget, S.liveByExpiry]) {
      this.registry.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.NUMBER },
      });
    }

    this.ipSets = settings.waf?.existingIpSets ?? (wafMode === 'off' ? [] : this.createIpSets(settings.waf?.scope ?? 'REGIONAL'));
    if (!settings.waf?.existingIpSets && wafMode !== 'off' && (settings.waf?.createWebAcl ?? true)) {
      this.webAcl = this.createWebAcl(settings.waf?.scope ?? 'REGIONAL', settings.waf?.associateWith ?? []);
    }

    const { waf: _waf, nacl: _nacl, ...rules } = settings;
    const responseConfig = {
      ...rules,
      waf: { mode: wafMode, ipSets: this.ipSets, ...(settings.waf?.capacity !== undefined ? { capacity: settings.waf.capacity } : {}) },
      nacl: {
        mode: naclMode,
        naclIds: settings.nacl?.naclIds ?? [],
        findingSubnets,
        vpcIds,
        ...(settings.nacl?.ruleRange ? { ruleRange: settings.nacl.ruleRange } : {}),
        ...(settings.nacl?.rulesPerNacl !== undefined ? { rulesPerNacl: settings.nacl.rulesPerNacl } : {}),
      },
    };
    const environment: Record<string, string> = {
      [ENV.BLOCK_REGISTRY_TABLE]: this.registry.tableName,
      [ENV.RESPONSE_CONFIG]: Stack.of(this).toJsonString(responseConfig),
      [ENV.FINDINGS_BUS]: props.findingsBus.eventBusName,
      ...(props.trustedLists
        ? { [ENV.INTEL_BUCKET]: props.trustedLists.bucket.bucketName, [ENV.INTEL_LISTS]: JSON.stringify(props.trustedLists.lists) }
        : {}),
    };

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryptionMasterKey: props.encryptionKey,
      encryption: sqs.QueueEncryption.KMS,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Findings', {
      encryptionMasterKey: props.encryptionKey,
      encryption: sqs.QueueEncryption.KMS,
      enforceSSL: true,
      // Six times the function timeout, as Lambda advises for SQS sources with batching windows.
      visibilityTimeout: Duration.minutes(6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.respondFunction = new AnalyzerFunction(this, 'Respond', {
      entry: HANDLER_ENTRIES.RESPOND,
      description: 'Vigil: blocks attacker addresses from findings in WAF IP sets and network ACLs',
      encryptionKey: props.encryptionKey,
      environment,
      memorySize: 512,
    });
    (this.respondFunction.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = props.reservedConcurrency ?? 1;
    this.respondFunction.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 50, maxBatchingWindow: Duration.seconds(10), reportBatchItemFailures: true }),
    );

    this.expireFunction = new AnalyzerFunction(this, 'ExpireBlocks', {
      entry: HANDLER_ENTRIES.EXPIRE_BLOCKS,
      description: 'Vigil: removes expired blocks from WAF IP sets and network ACLs',
      encryptionKey: props.encryptionKey,
      environment,
      memorySize: 512,
      timeout: Duration.minutes(5),
    });

    const minSeverity = severityNumber(settings.minSeverity);
    new events.Rule(this, 'FindingsToRespond', {
      description: 'Vigil: findings that may act go to the respond queue',
      eventBus: props.findingsBus,
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: [DETAIL_TYPE.FINDING],
        detail: { severity: events.Match.greaterThanOrEqual(minSeverity), service: { archived: [false] } },
      },
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });
    new events.Rule(this, 'ExpirySchedule', {
      description: 'Vigil: removes expired blocks',
      schedule: events.Schedule.rate(props.expiryInterval ?? Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.expireFunction.function, { retryAttempts: 2 })],
    });

    for (const fn of [this.respondFunction, this.expireFunction]) {
      this.registry.grantReadWriteData(fn.role);
      acknowledgeWildcardResource(fn.role, `${nagArnOf(this.registry.node.defaultChild as CfnElement)}/index/*`, 'The registry grant covers the table\'s own indexes (live blocks by target and by expiry), and nothing else.');
      for (const action of QUEUE_SEND_KMS_WILDCARDS) {
        acknowledgeWildcardAction(fn.role, action, 'Added by the CDK grant on the block registry, encrypted with the Vigil key; the statement names that one key as its only resource.');
      }
      props.findingsBus.grantPutEventsTo(fn.role);
      if (props.trustedLists) {
        // Only the trusted list objects, not the whole bucket (the bucket may also hold threat lists).
        fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: props.trustedLists.lists.map((list) => props.trustedLists!.bucket.arnForObjects(list.key)) }));
        props.trustedLists.bucket.encryptionKey?.grantDecrypt(fn.role);
      }
    }
    // Expiry must be able to remove blocks made while a target was enforced, even after it went back to dry-run.
    this.grantTargets(this.respondFunction.role, wafMode === 'enforce', naclMode === 'enforce', naclMode !== 'off', settings.nacl?.naclIds ?? [], vpcIds, findingSubnets);
    this.grantTargets(this.expireFunction.role, wafMode !== 'off', naclMode !== 'off', naclMode !== 'off', settings.nacl?.naclIds ?? [], vpcIds, findingSubnets);
  }

  private createIpSets(scope: 'REGIONAL' | 'CLOUDFRONT'): ExistingIpSet[] {
    const stackName = Stack.of(this).stackName;
    return (['IPV4', 'IPV6'] as const).map((version) => {
      const name = `${stackName}-vigil-blocked-${version === 'IPV4' ? 'v4' : 'v6'}`.slice(0, 128);
      // Vigil owns the address list; CloudFormation only creates the set, empty.
      const set = new wafv2.CfnIPSet(this, `BlockedAddresses${version === 'IPV4' ? 'V4' : 'V6'}`, {
        name,
        scope,
        ipAddressVersion: version,
        addresses: [],
        // WAF descriptions allow no parentheses (CloudFormation pattern check F3031).
        description: 'Vigil: attacker addresses blocked by automated response, managed by Vigil, not by CloudFormation',
      });
      return { scope, name, id: set.attrId, version, arn: set.attrArn };
    });
  }

  private createWebAcl(scope: 'REGIONAL' | 'CLOUDFRONT', associateWith: readonly string[]): wafv2.CfnWebACL {
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope,
      defaultAction: { allow: {} },
      description: 'Vigil: blocks addresses that Vigil findings named as attackers',
      visibilityConfig: visibility('VigilWebAcl'),
      rules: this.ipSets.map((set, priority) => ({
        name: `VigilBlocked${set.version === 'IPV4' ? 'V4' : 'V6'}`,
        priority,
        action: { block: {} },
        statement: { ipSetReferenceStatement: { arn: set.arn } },
        visibilityConfig: visibility(`VigilBlocked${set.version === 'IPV4' ? 'V4' : 'V6'}`),
      })),
    });
    associateWith.forEach((resourceArn, i) => new wafv2.CfnWebACLAssociation(this, `WebAclAssociation${i}`, { resourceArn, webAclArn: webAcl.attrArn }));
    return webAcl;
  }

  private grantTargets(role: iam.IRole, waf: boolean, naclWrite: boolean, naclRead: boolean, naclIds: readonly string[], vpcIds: readonly string[], findingSubnets: boolean): void {
    if (waf && this.ipSets.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'], resources: this.ipSets.map((s) => s.arn) }));
    }
    if (naclRead) {
      // DescribeNetworkAcls supports no resource-level permission: it is granted on * or not at all.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkAcls'], resources: ['*'] }));
      Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeNetworkAcls has no resource-level permissions; it only reads.' });
    }
    if (!naclWrite) return;
    const actions = ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'];
    const naclArn = (naclId: string) => Arn.format({ service: 'ec2', resource: 'network-acl', resourceName: naclId, region: Aws.REGION, account: Aws.ACCOUNT_ID, partition: Aws.PARTITION });
    if (naclIds.length > 0) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: naclIds.map(naclArn) }));
    if (findingSubnets && vpcIds.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions,
          resources: [naclArn('*')],
          conditions: { StringEquals: { 'ec2:Vpc': vpcIds.map((v) => Arn.format({ service: 'ec2', resource: 'vpc', resourceName: v, region: Aws.REGION, account: Aws.ACCOUNT_ID, partition: Aws.PARTITION })) } },
        }),
      );
      acknowledgeWildcardResource(
        role,
        'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-acl/*',
        'NACL entry changes are limited to the NACLs of the named VPCs by the ec2:Vpc condition; the NACLs of finding subnets are not known in advance.',
      );
    }
  }
}

function severityNumber(value: number | string | undefined): number {
  if (value === undefined) return 7;
  if (typeof value === 'number') return value;
  const level: Record<string, number> = { low: 1, medium: 4, high: 7, critical: 9 };
  const n = level[value.trim().toLowerCase()] ?? Number(value);
  if (!Number.isFinite(n)) throw new Error(`Remediation: minSeverity ${JSON.stringify(value)} is neither a number nor a level`);
  return n;
}
