/**
 * Where findings and detector state live: two DynamoDB tables, on-demand, with point-in-time recovery and
 * encryption under the Vigil key.
 *
 * The key design is the contract with the DynamoDB adapter (lambdas/adapters), which codes to these names:
 *
 * - findings: partition key `id` (S); attributes `severity` (N), `updatedAt` (S, ISO-8601), `type` (S),
 *   `gsiPk` (S, always `"finding"`), `publishState` (S). Indexes `bySeverity` (`gsiPk`, `severity`) and
 *   `byUpdatedAt` (`gsiPk`, `updatedAt`) list every finding in order; `byType` (`type`, `updatedAt`) lists
 *   one finding type by recency. One constant partition is fine at Vigil's volumes: findings are aggregated,
 *   so there are thousands, not millions, and writes per finding are rare.
 * - state: partition key `pk` (S), expiring through the TTL attribute `ttl` (epoch seconds). It holds detector
 *   windows and baselines and also serves as the input ledger (tokens of inputs already counted).
 */
import { PENDING_FINDINGS_INDEX } from '../../lambdas/shared/constants';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Names of the findings table's keys and indexes. */
export const FINDINGS_TABLE_SCHEMA = {
  PARTITION_KEY: 'id',
  GSI_PARTITION_KEY: 'gsiPk',
  INDEX: { BY_SEVERITY: 'bySeverity', BY_UPDATED_AT: 'byUpdatedAt', BY_TYPE: 'byType', PENDING: PENDING_FINDINGS_INDEX },
} as const;

/** Names of the state table's keys. */
export const STATE_TABLE_SCHEMA = { PARTITION_KEY: 'pk', TTL_ATTRIBUTE: 'ttl' } as const;

export interface FindingsStoreProps {
  /** Encrypts both tables. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the tables when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Refuse table deletion (through CloudFormation or the API) until it is switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'];
// Explicit KMS actions instead of CDK's `kms:GenerateDataKey*`/`kms:ReEncrypt*`: DynamoDB needs no more.
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:GenerateDataKey'];

/** The findings and state tables, and least-privilege grants on them (explicit actions, indexes by name). */
export class FindingsStore extends Construct {
  readonly findingsTable: dynamodb.Table;
  readonly stateTable: dynamodb.Table;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: FindingsStoreProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    // dynamodb.Table rather than TableV2: TableV2 cannot render a customer-managed key in a region-agnostic
    // stack, and Vigil's stack stays environment-agnostic.
    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };
    const { INDEX, GSI_PARTITION_KEY } = FINDINGS_TABLE_SCHEMA;
    this.findingsTable = new dynamodb.Table(this, 'FindingsTable', {
      ...common,
      partitionKey: { name: FINDINGS_TABLE_SCHEMA.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    });
    this.findingsTable.addGlobalSecondaryIndex({
      indexName: INDEX.BY_SEVERITY,
      partitionKey: { name: GSI_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'severity', type: dynamodb.AttributeType.NUMBER },
    });
    this.findingsTable.addGlobalSecondaryIndex({
      indexName: INDEX.BY_UPDATED_AT,
      partitionKey: { name: GSI_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'updatedAt', type: dynamodb.AttributeType.STRING },
    });
    this.findingsTable.addGlobalSecondaryIndex({
      indexName: INDEX.BY_TYPE,
      partitionKey: { name: 'type', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'updatedAt', type: dynamodb.AttributeType.STRING },
    });
    // Sparse: only findings not yet published carry `publishState`, so the index stays as small as the backlog.
    this.findingsTable.addGlobalSecondaryIndex({
      indexName: INDEX.PENDING,
      partitionKey: { name: 'publishState', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'updatedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['pendingSince', 'revision'],
    });
    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      ...common,
      partitionKey: { name: STATE_TABLE_SCHEMA.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: STATE_TABLE_SCHEMA.TTL_ATTRIBUTE,
    });
  }

  /** Lets `grantee` read findings, including through every index. */
  grantReadFindings(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, this.findingsResources(), READ_ACTIONS, KEY_READ_ACTIONS);
  }

  /** Lets `grantee` read, create, update and delete findings. */
  grantReadWriteFindings(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, this.findingsResources(), [...READ_ACTIONS, ...WRITE_ACTIONS], [...KEY_READ_ACTIONS, ...KEY_WRITE_ACTIONS]);
  }

  /** Lets `grantee` read and merge detector state and record input tokens. */
  grantReadWriteState(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, [this.stateTable.tableArn], [...READ_ACTIONS, ...WRITE_ACTIONS], [...KEY_READ_ACTIONS, ...KEY_WRITE_ACTIONS]);
  }

  /** The table and each index by name, so no grant needs `index/*`. */
  private findingsResources(): string[] {
    const table = this.findingsTable.tableArn;
    return [table, ...Object.values(FINDINGS_TABLE_SCHEMA.INDEX).map((index) => `${table}/index/${index}`)];
  }

  private grant(grantee: iam.IGrantable, resourceArns: string[], actions: string[], keyActions: string[]): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee, actions, resourceArns });
    iam.Grant.addToPrincipal({ grantee, actions: keyActions, resourceArns: [this.encryptionKey.keyArn] });
    return grant;
  }
}
