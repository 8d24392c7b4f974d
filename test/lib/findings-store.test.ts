import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EncryptionKey } from '../../lib/constructs/encryption-key';
import { FindingsStore } from '../../lib/constructs/findings-store';
import { asList, emptyStack, policyStatements } from './support';

describe('FindingsStore', () => {
  let template: Template;

  beforeAll(() => {
    const stack = emptyStack();
    const key = new EncryptionKey(stack, 'Key');
    const store = new FindingsStore(stack, 'Store', { encryptionKey: key.key });
    store.grantReadFindings(new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    store.grantReadWriteState(new iam.Role(stack, 'StateWriter', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    template = Template.fromStack(stack);
  });

  const findingsTable = () => Object.values(template.findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } }));

  it('keys findings by id and lists them by severity, by update time and by type', () => {
    expect(findingsTable()).toHaveLength(1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'gsiPk', AttributeType: 'S' },
        { AttributeName: 'severity', AttributeType: 'N' },
        { AttributeName: 'updatedAt', AttributeType: 'S' },
        { AttributeName: 'type', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'bySeverity', KeySchema: [{ AttributeName: 'gsiPk', KeyType: 'HASH' }, { AttributeName: 'severity', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }),
        Match.objectLike({ IndexName: 'byUpdatedAt', KeySchema: [{ AttributeName: 'gsiPk', KeyType: 'HASH' }, { AttributeName: 'updatedAt', KeyType: 'RANGE' }] }),
        Match.objectLike({ IndexName: 'byType', KeySchema: [{ AttributeName: 'type', KeyType: 'HASH' }, { AttributeName: 'updatedAt', KeyType: 'RANGE' }] }),
        // Sparse: only unpublished findings carry publishState, so publish-updates queries the backlog alone.
        Match.objectLike({
          IndexName: 'byPublishState',
          KeySchema: [{ AttributeName: 'publishState', KeyType: 'HASH' }, { AttributeName: 'updatedAt', KeyType: 'RANGE' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['pendingSince', 'revision'] },
        }),
      ],
    });
  });

  it('keys state by pk and lets DynamoDB expire it through the ttl attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('bills both tables on demand, with point-in-time recovery, deletion protection and the customer-managed key', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(2);
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    for (const table of tables) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      });
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });

  it('rotates its key every year', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('grants reads on the table and each index by name, never index/* and never a write', () => {
    const reader = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }] } });
    const statements = Object.values(reader).flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
    const dynamo = statements.find((s) => asList(s.Action).includes('dynamodb:Query'))!;
    expect(asList(dynamo.Action)).not.toContain('dynamodb:PutItem');
    expect(JSON.stringify(dynamo.Resource)).toContain('/index/bySeverity');
    expect(JSON.stringify(dynamo.Resource)).toContain('/index/byType');
    expect(JSON.stringify(dynamo.Resource)).not.toContain('/index/*');
  });

  it('grants no wildcard action on tables or key', () => {
    const actions = policyStatements(template).flatMap((s) => asList(s.Action) as string[]);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'kms:GenerateDataKey', 'kms:Decrypt']));
  });
});
