/**
 * Typed errors of the AWS adapters. Each keeps the SDK error it came from as `cause`, and says whether
 * trying again later can succeed (`retryable`), which is what a handler needs to decide between "report
 * the batch item as failed" and "count it and set it aside".
 */

/** Base class: an AWS call or its result could not be used. */
export class AdapterError extends Error {
  /** True when the same call may succeed later (throttling, a conflicting writer, a 5xx). */
  readonly retryable: boolean;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? true;
  }
}

/**
 * Another writer changed an item between this batch's read and its write (optimistic concurrency).
 * Nothing of the conflicting item was written; running the same input again is safe and will succeed.
 */
export class ConcurrentUpdateError extends AdapterError {
  constructor(
    readonly table: string,
    readonly keys: readonly string[],
    options: { cause?: unknown } = {},
  ) {
    super(`${keys.length} item(s) in ${table} changed under this batch: ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}`, {
      ...options,
      retryable: true,
    });
  }
}

/** A DynamoDB call failed for a reason other than a condition (throttling after retries, validation, access). */
export class StoreError extends AdapterError {}

/** PutEvents left entries unpublished after every retry; the findings stay pending. */
export class PublishError extends AdapterError {
  constructor(
    message: string,
    readonly failures: readonly { readonly findingId: string; readonly errorCode: string; readonly errorMessage?: string }[],
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options);
  }
}

/** A finding whose event exceeds EventBridge's entry size limit; it can never be published as is. */
export class EventTooLargeError extends AdapterError {
  constructor(
    readonly findingId: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the event of finding ${findingId} is ${bytes} bytes, over the ${limit}-byte PutEvents limit`, { retryable: false });
  }
}

/** An S3 object could not be opened or its body broke off while being read. */
export class ObjectReadError extends AdapterError {
  constructor(
    readonly bucket: string,
    readonly key: string,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`s3://${bucket}/${key}: ${message}`, options);
  }
}

/** The object named by a notification no longer exists (deleted or expired since); retrying cannot help. */
export class ObjectNotFoundError extends ObjectReadError {
  constructor(bucket: string, key: string, options: { cause?: unknown } = {}) {
    super(bucket, key, 'no such key', { ...options, retryable: false });
  }
}

/** DescribeInstances / DescribeNetworkInterfaces failed; enrichment is skipped, detection is not. */
export class InstanceLookupError extends AdapterError {}

/** A threat or trusted list named in the configuration could not be read from the intel bucket. */
export class IntelLoadError extends AdapterError {}

/** True for SDK errors that a later attempt may not repeat: throttling, timeouts, 5xx, network resets. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const name = e.name ?? e.code ?? '';
  return /Throttl|TooManyRequests|RequestLimitExceeded|ProvisionedThroughputExceeded|ServiceUnavailable|InternalServerError|InternalFailure|TimeoutError|ECONNRESET|ETIMEDOUT|EPIPE|socket hang up/i.test(
    name + ' ' + (error instanceof Error ? error.message : ''),
  );
}

/** True when a DynamoDB write was refused because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: string }).name === 'ConditionalCheckFailedException';
}
