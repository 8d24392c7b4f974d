/**
 * The customer-managed KMS key that encrypts everything Vigil keeps at rest: log and intel buckets, queues,
 * the Kinesis stream, both tables, the findings bus and its archive, topics and log groups.
 */
import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface EncryptionKeyProps {
  /**
   * What happens to the key when the stack is deleted. Keep it unless the data it protects is gone too:
   * without the key, retained tables, buckets and archives are unreadable.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Lets an AWS service use the key on behalf of resources it acts for. */
export interface ServiceKeyUse {
  /** Statement id, unique within the key policy. */
  readonly sid: string;
  /** Service principal, such as `cloudwatch.amazonaws.com`. */
  readonly service: string;
  readonly actions: readonly string[];
  /**
   * Conditions that pin the use to Vigil's resources or accounts (`aws:SourceAccount`, `aws:SourceArn`, …),
   * so another account cannot make the service use this key for it (the confused-deputy problem).
   */
  readonly conditions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A symmetric key with yearly automatic rotation, plus scoped service access. */
export class EncryptionKey extends Construct {
  readonly key: kms.Key;
  private readonly statementIds = new Set<string>();

  constructor(scope: Construct, id: string, props: EncryptionKeyProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Vigil: encrypts logs, findings, state, events and notifications at rest',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Lambda log groups are encrypted with the key; CloudWatch Logs is regional and names the log group in the
    // encryption context, which keeps the permission to this account's log groups.
    this.allowServiceUse({
      sid: 'CloudWatchLogsEncryptLogGroups',
      service: `logs.${Aws.REGION}.amazonaws.com`,
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` } },
    });
  }

  /**
   * EventBridge encrypts what it hands to an encrypted SNS topic or SQS queue (targets and dead-letter
   * queues) with the target's key, on behalf of rules in this account.
   */
  allowEventBridgeTargets(): void {
    this.allowServiceUse({
      sid: 'EventBridgeDeliverToEncryptedTargets',
      service: 'events.amazonaws.com',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    });
  }

  /**
   * Adds a key policy statement for a service principal; the key is the statement's only resource. Several
   * constructs may need the same use (EventBridge delivering to encrypted targets, say): a statement id
   * already present is left as it is.
   */
  allowServiceUse(use: ServiceKeyUse): void {
    if (this.statementIds.has(use.sid)) return;
    this.statementIds.add(use.sid);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: use.sid,
        principals: [new iam.ServicePrincipal(use.service)],
        actions: [...use.actions],
        resources: ['*'],
        conditions: use.conditions,
      }),
    );
  }
}
