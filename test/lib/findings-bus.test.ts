import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EncryptionKey } from '../../lib/constructs/encryption-key';
import { FindingsBus } from '../../lib/constructs/findings-bus';
import { emptyStack } from './support';

function busTemplate(props: Partial<ConstructorParameters<typeof FindingsBus>[2]> = {}): Template {
  const stack = emptyStack();
  const encryptionKey = new EncryptionKey(stack, 'Key');
  const bus = new FindingsBus(stack, 'Bus', { encryptionKey, ...props });
  bus.grantPublish(new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  return Template.fromStack(stack);
}

describe('FindingsBus', () => {
  let template: Template;
  beforeAll(() => {
    template = busTemplate({ alertEmail: 'soc@example.com' });
  });

  const keyArn = () => ({ 'Fn::GetAtt': [Object.keys(template.findResources('AWS::KMS::Key'))[0], 'Arn'] });

  it('is a custom bus encrypted with the Vigil key, with a dead-letter queue for undecryptable events', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', {
      KmsKeyIdentifier: keyArn(),
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
    });
  });

  it('archives every vigil event for a year, encrypted', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['vigil'] },
      RetentionDays: 365,
      KmsKeyIdentifier: keyArn(),
    });
  });

  it('forwards findings of severity 7 or more with numeric matching to the alert topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('Bus') },
      EventPattern: { source: ['vigil'], 'detail-type': ['Vigil Finding'], detail: { severity: [{ numeric: ['>=', 7] }] } },
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('AlertTopic') },
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
  });

  it('encrypts the alert topic with the Vigil key and subscribes the configured email', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'soc@example.com' });
  });

  it('lets EventBridge publish to the topic only for the alert rule, and only over TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertRule'), 'Arn'] } } },
          }),
        ]),
      },
    });
    const unconditioned = Object.values(template.findResources('AWS::SNS::TopicPolicy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Record<string, unknown>[]).filter((s) => s.Effect === 'Allow' && s.Condition === undefined),
    );
    expect(unconditioned).toEqual([]);
  });

  it('lets the bus and the alert rule, and nothing else, send to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('Bus'), 'Arn'] } } } }),
          Match.objectLike({ Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertRule'), 'Arn'] } } } }),
        ]),
      },
    });
  });

  it('lets EventBridge use the key for encrypted targets only on behalf of this account', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'EventBridgeDeliverToEncryptedTargets', Principal: { Service: 'events.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
        ]),
      },
    });
  });

  it('grants publishers PutEvents on this bus only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('Bus'), 'Arn'] } }] },
    });
  });

  it('passes a retention of zero days through, which EventBridge reads as keeping events forever', () => {
    const forever = busTemplate({ archiveRetention: Duration.days(0) });
    forever.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 0 });
  });

  it('alerts from the configured severity instead of 7', () => {
    busTemplate({ alertMinSeverity: 8.5 }).hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ detail: { severity: [{ numeric: ['>=', 8.5] }] } }) });
  });
});
