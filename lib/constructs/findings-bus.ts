/**
 * Where findings go once stored: a custom EventBridge bus that carries every new finding and every published
 * update (`source: "vigil"`, `detail-type: "Vigil Finding"`, `detail`: the finding in GuardDuty's schema), an
 * archive of those events for replay, and an example rule that forwards High and Critical findings to an SNS
 * topic. Consumers add their own rules to {@link FindingsBus.eventBus}, matching on the same pattern.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAIL_TYPE, EVENT_SOURCE } from '../../lambdas/shared/constants';
import type { EncryptionKey } from './encryption-key';

export interface FindingsBusProps {
  /** Encrypts the bus, its archive, the topic and the dead-letter queue. */
  readonly encryptionKey: EncryptionKey;
  /**
   * How long the archive keeps events; `Duration.days(0)` keeps them forever.
   * @default Duration.days(365)
   */
  readonly archiveRetention?: Duration;
  /**
   * Findings at or above this severity are forwarded to {@link FindingsBus.alertTopic}. GuardDuty's High band
   * starts at 7.
   * @default 7
   */
  readonly alertMinSeverity?: number;
  /**
   * An email address subscribed to the alert topic (the recipient confirms the subscription).
   * @default - no subscription
   */
  readonly alertEmail?: string;
}

/** The findings bus, its archive and dead-letter queue, and the example alert rule and topic. */
export class FindingsBus extends Construct {
  /** The pattern of every Vigil finding event. */
  static readonly FINDING_PATTERN: events.EventPattern = { source: [EVENT_SOURCE], detailType: [DETAIL_TYPE.FINDING] };

  readonly eventBus: events.EventBus;
  readonly archive: events.Archive;
  /** Receives events the bus cannot decrypt and events the alert rule cannot deliver. */
  readonly deadLetterQueue: sqs.Queue;
  readonly alertRule: events.Rule;
  readonly alertTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: FindingsBusProps) {
    super(scope, id);
    const key = props.encryptionKey;
    key.allowEventBridgeTargets();

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the findings bus and of the alert rule target; what lands here is inspected and redriven by hand.',
    });
    const eventBusName = `${Stack.of(this).stackName}-findings`;
    this.eventBus = new events.EventBus(this, 'Bus', {
      eventBusName,
      description: 'Vigil findings (GuardDuty schema): new findings and published updates',
      kmsKey: key.key,
      deadLetterQueue: this.deadLetterQueue,
    });
    // The bus sends events it cannot encrypt or decrypt to its dead-letter queue; CDK does not add this grant.
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.eventBus.eventBusArn } },
      }),
    );
    // new Archive rather than eventBus.archive(), which drops kmsKey (the archive would fall back to an
    // AWS-owned key). The bus is referenced by its formatted ARN: the Archive construct names the bus in the key
    // policy, and a reference to the bus resource there would close the cycle key → bus → dead-letter queue → key.
    const busByArn = events.EventBus.fromEventBusArn(this, 'BusByArn', Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: eventBusName }));
    this.archive = new events.Archive(this, 'Archive', {
      sourceEventBus: busByArn,
      description: 'Vigil findings for replay',
      eventPattern: { source: [EVENT_SOURCE] },
      // EventBridge reads a retention of 0 days as "keep forever".
      retention: props.archiveRetention ?? Duration.days(365),
      kmsKey: key.key,
    });
    this.archive.node.addDependency(this.eventBus);

    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'Vigil findings',
      masterKey: key.key,
      enforceSSL: true,
    });
    if (props.alertEmail) this.alertTopic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
    this.alertRule = new events.Rule(this, 'AlertRule', {
      description: `Vigil: forwards findings of severity ${props.alertMinSeverity ?? 7} or more to the alert topic`,
      eventBus: this.eventBus,
      eventPattern: { ...FindingsBus.FINDING_PATTERN, detail: { severity: events.Match.greaterThanOrEqual(props.alertMinSeverity ?? 7) } },
    });
    this.alertRule.addTarget(new RuleScopedTopicTarget(this.alertTopic, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(24) }));
  }

  /** Lets `grantee` put events on the bus (and nothing else). */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.eventBus.grantPutEventsTo(grantee);
  }
}

/**
 * An SNS target whose topic policy admits EventBridge only on behalf of the one rule (`aws:SourceArn`).
 * `targets.SnsTopic` grants `events.amazonaws.com` without a condition, which would let a rule in any
 * account publish to the topic; the dead-letter queue is scoped the same way.
 */
class RuleScopedTopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly options: { readonly deadLetterQueue: sqs.IQueue; readonly retryAttempts: number; readonly maxEventAge: Duration },
  ) {}

  bind(rule: events.IRuleRef): events.RuleTargetConfig {
    const fromThisRule = { ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn } };
    const eventBridge = new iam.ServicePrincipal('events.amazonaws.com');
    this.topic.addToResourcePolicy(new iam.PolicyStatement({ principals: [eventBridge], actions: ['sns:Publish'], resources: [this.topic.topicArn], conditions: fromThisRule }));
    this.options.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [eventBridge], actions: ['sqs:SendMessage'], resources: [this.options.deadLetterQueue.queueArn], conditions: fromThisRule }),
    );
    return {
      arn: this.topic.topicArn,
      targetResource: this.topic,
      deadLetterConfig: { arn: this.options.deadLetterQueue.queueArn },
      retryPolicy: { maximumRetryAttempts: this.options.retryAttempts, maximumEventAgeInSeconds: this.options.maxEventAge.toSeconds() },
    };
  }
}
