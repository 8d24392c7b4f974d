import { Match, type Template } from 'aws-cdk-lib/assertions';
import { buildVigil, FULL_CONTEXT } from './support';

describe('Monitoring with every input path on', () => {
  let template: Template;
  beforeAll(() => {
    template = buildVigil(FULL_CONTEXT).template;
  });

  const alarmsOn = (metricName: string) => Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } }));

  it('alarms on the first message in each dead-letter or on-failure queue', () => {
    const alarms = alarmsOn('ApproximateNumberOfMessagesVisible');
    const queues = alarms.map((alarm) => JSON.stringify(alarm.Properties.Dimensions));
    expect(alarms).toHaveLength(5);
    for (const queue of ['NotificationDeadLetterQueue', 'StreamFailureQueue', 'CloudTrailEventDeadLetterQueue', 'FindingsBusDeadLetterQueue', 'RemediationDeadLetters']) {
      expect(queues.some((dimensions) => dimensions.includes(queue))).toBe(true);
    }
    for (const alarm of alarms) expect(alarm.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Statistic: 'Maximum' });
  });

  it('alarms on any error of each function', () => {
    const alarms = alarmsOn('Errors');
    // Four analyzers, plus respond and expire-blocks.
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) expect(alarm.Properties).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1, Statistic: 'Sum', TreatMissingData: 'notBreaching' });
  });

  it('alarms when the stream consumer stays more than 15 minutes behind for three periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Kinesis',
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Threshold: 900000,
      EvaluationPeriods: 3,
      Dimensions: [{ Name: 'StreamName', Value: { Ref: Match.stringLikeRegexp('LogStream') } }],
    });
  });

  it('sends every alarm to the encrypted operations topic, which the configured address is subscribed to', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'Vigil operations alarms' } }));
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }] });
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'Vigil operations alarms', KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: { Ref: topicId }, Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('lets CloudWatch use the key for the alarm topic on behalf of this account only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
        ]),
      },
    });
  });

  it('draws a dashboard of invocations, errors, queues, stream lag and every Vigil metric', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const expected of ['Invocations', 'Errors', 'Duration', 'ApproximateNumberOfMessagesVisible', 'GetRecords.IteratorAgeMilliseconds', 'SEARCH(', 'Namespace=\\\\\\"Vigil\\\\\\"', 'ingest-s3', 'publish-updates']) {
      expect(body).toContain(expected);
    }
  });
});
