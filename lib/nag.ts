/**
 * Acknowledging cdk-nag findings. cdk-nag v3 reports each wildcard of an IAM policy as its own finding id
 * (`AwsSolutions-IAM5[Resource::…]`, `AwsSolutions-IAM5[Action::…]`), rendering `Fn::GetAtt` as
 * `<LogicalId.Arn>` and pseudo parameters as `<AWS::Partition>`; these helpers build those ids so each
 * acknowledgement names exactly the wildcard it accepts, with the reason it is acceptable.
 */
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** How cdk-nag writes the ARN of a resource defined in the stack. */
export function nagArnOf(resource: CfnElement): string {
  return `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
}

/** Accepts one wildcard resource in the IAM policies at or below `scope`. */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}

/** Accepts one wildcard action in the IAM policies at or below `scope`. */
export function acknowledgeWildcardAction(scope: IConstruct, action: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
}

/** The KMS actions `IQueue.grantSendMessages` adds for an encrypted queue, and why they are acceptable. */
export const QUEUE_SEND_KMS_WILDCARDS = ['kms:ReEncrypt*', 'kms:GenerateDataKey*'] as const;
export const QUEUE_SEND_KMS_REASON =
  'Added by the CDK grant that lets this principal send to a queue encrypted with the Vigil key; the statement names that one key as its only resource.';
