/**
 * Buckets as Vigil creates them: no public access, TLS only, bucket-owner object ownership, and server access
 * logs into one access-log bucket.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AccessLogsBucketProps {
  /**
   * Days before access-log objects expire.
   * @default 365
   */
  readonly expirationDays?: number;
}

/**
 * The target of the server access logs of every bucket Vigil creates. S3 cannot deliver access logs to an
 * SSE-KMS bucket, so this one alone uses S3-managed encryption.
 */
export class AccessLogsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    // S3 log delivery is then granted per source bucket in this bucket's policy instead of through the legacy
    // LogDeliveryWrite ACL, which would need ACLs enabled. The flag is read on this bucket, so it is set here
    // rather than in cdk.json: the bucket behaves the same in any app.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.expirationDays ?? 365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the server access log target of the other Vigil buckets; logging it into itself would loop, and CloudTrail data events can audit it instead.',
    });
  }
}

export interface SecureBucketProps {
  /** The key for SSE-KMS default encryption. */
  readonly encryptionKey: kms.IKey;
  /** Where S3 writes this bucket's server access logs. */
  readonly serverAccessLogsBucket: s3.IBucket;
  /**
   * Prefix of this bucket's access logs in the access-log bucket.
   * @default the construct id followed by "/"
   */
  readonly serverAccessLogsPrefix?: string;
  /**
   * Days before objects expire; undefined keeps them.
   * @default - objects never expire
   */
  readonly expirationDays?: number;
  /**
   * Keep every version of overwritten objects (for inputs people edit by hand, such as threat lists).
   * @default false
   */
  readonly versioned?: boolean;
}

/** An SSE-KMS bucket with S3 Bucket Keys (one KMS call per bucket key, not per object). */
export class SecureBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? false,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsPrefix ?? `${id}/`,
      lifecycleRules: [
        {
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          ...(props.expirationDays === undefined ? {} : { expiration: Duration.days(props.expirationDays) }),
          ...(props.versioned ? { noncurrentVersionExpiration: Duration.days(30) } : {}),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
