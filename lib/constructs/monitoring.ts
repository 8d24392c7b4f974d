/**
 * Operations: alarms that say Vigil is falling behind or dropping input, an SNS topic they notify, and a
 * dashboard of the whole pipeline.
 *
 * Alarms: any message in a dead-letter queue (input that was given up on), any Lambda error (a batch that
 * failed as a whole), and a Kinesis iterator age above the threshold (the stream consumer is behind).
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EncryptionKey } from './encryption-key';

/** A function whose errors raise an alarm, and its label on the dashboard. */
export interface MonitoredFunction {
  readonly label: string;
  readonly fn: lambda.IFunction;
}

/** A dead-letter queue whose first message raises an alarm. */
export interface MonitoredQueue {
  readonly label: string;
  readonly queue: sqs.IQueue;
}

/** A stream whose consumer lag raises an alarm. */
export interface MonitoredStream {
  readonly label: string;
  readonly stream: kinesis.IStream;
}

export interface MonitoringProps {
  /** Encrypts the alarm topic. */
  readonly encryptionKey: EncryptionKey;
  /**
   * Functions whose errors raise an alarm.
   * @default []
   */
  readonly functions?: readonly MonitoredFunction[];
  /**
   * Dead-letter and on-failure queues; any visible message raises an alarm.
   * @default []
   */
  readonly deadLetterQueues?: readonly MonitoredQueue[];
  /**
   * Streams whose iterator age raises an alarm.
   * @default []
   */
  readonly streams?: readonly MonitoredStream[];
  /**
   * Iterator age above which a stream's consumer counts as behind.
   * @default Duration.minutes(15)
   */
  readonly iteratorAgeThreshold?: Duration;
  /**
   * Namespace of the handlers' Powertools metrics, graphed on the dashboard.
   * @default 'Vigil'
   */
  readonly metricsNamespace?: string;
  /**
   * An email address subscribed to the alarm topic.
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

/** Alarms, the operations topic they notify, and the Vigil dashboard. */
export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const functions = props.functions ?? [];
    const queues = props.deadLetterQueues ?? [];
    const streams = props.streams ?? [];

    props.encryptionKey.allowServiceUse({
      sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
      service: 'cloudwatch.amazonaws.com',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    });
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Vigil operations alarms', masterKey: props.encryptionKey.key, enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.alarmTopic);

    for (const { label, queue } of queues) {
      this.addAlarm(`DeadLetters${idOf(label)}`, {
        alarmDescription: `Vigil: ${label} were given up on and wait in a dead-letter queue; inspect and redrive them.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 1,
      }, notify);
    }
    for (const { label, fn } of functions) {
      this.addAlarm(`Errors${idOf(label)}`, {
        alarmDescription: `Vigil: ${label} failed a whole invocation; see its log group.`,
        metric: fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      }, notify);
    }
    const iteratorAge = props.iteratorAgeThreshold ?? Duration.minutes(15);
    for (const { label, stream } of streams) {
      this.addAlarm(`IteratorAge${idOf(label)}`, {
        alarmDescription: `Vigil: the consumer of ${label} is more than ${iteratorAge.toHumanString()} behind.`,
        metric: stream.metricGetRecordsIteratorAgeMilliseconds({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: iteratorAge.toMilliseconds(),
        // One slow period happens after a burst; three in a row means the consumer does not catch up.
        evaluationPeriods: 3,
      }, notify);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [new cloudwatch.TextWidget({ markdown: '# Vigil\nIngest, detection and publishing. Alarms notify the operations topic.', width: 24, height: 2 })],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 })],
        [
          new cloudwatch.GraphWidget({
            title: 'Invocations',
            left: functions.map(({ label, fn }) => fn.metricInvocations({ period: PERIOD, label })),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Errors and throttles',
            left: functions.map(({ label, fn }) => fn.metricErrors({ period: PERIOD, label: `${label} errors` })),
            right: functions.map(({ label, fn }) => fn.metricThrottles({ period: PERIOD, label: `${label} throttles` })),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Duration (p99)',
            left: functions.map(({ label, fn }) => fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label })),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queues (messages)',
            left: queues.map(({ label, queue }) => queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label })),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Kinesis iterator age (ms)',
            left: streams.map(({ label, stream }) => stream.metricGetRecordsIteratorAgeMilliseconds({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label })),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Vigil metrics (events, findings, errors)',
            // Every metric the handlers emit, whatever its name: a search instead of a list kept in sync by hand.
            left: [
              new cloudwatch.MathExpression({
                expression: `SEARCH('Namespace="${props.metricsNamespace ?? 'Vigil'}"', 'Sum', 300)`,
                usingMetrics: {},
                period: PERIOD,
              }),
            ],
            width: 8,
          }),
        ],
      ],
    });
  }

  private addAlarm(id: string, props: Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric' | 'threshold'> & { evaluationPeriods?: number }, notify: actions.SnsAction): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no failures (an idle queue or function publishes nothing), not an unknown state.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(notify);
    this.alarms.push(alarm);
  }
}

/** A construct id from a label such as "ingest-s3" or "S3 notifications". */
function idOf(label: string): string {
  return label
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
