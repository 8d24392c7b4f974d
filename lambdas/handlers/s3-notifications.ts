/**
 * Reads S3 event notifications out of SQS message bodies: straight from S3, or wrapped in an SNS envelope
 * (S3 → SNS → SQS without raw delivery), and decides which objects are log files worth reading.
 *
 * Object keys in notifications are URL-encoded with `+` for a space. S3 sends a one-off `s3:TestEvent`
 * when a notification is configured; it names no object and is acknowledged without work. CloudTrail digest
 * files, Insights files and zero-byte "folder" markers share the log prefixes but hold no records to read.
 *
 * @example
 * const notification = readS3Notification(record.body);
 * if (notification.kind === 'objects') for (const o of notification.objects) if (!skipReason(o)) read(o);
 */

/** One object a notification names. */
export interface S3ObjectRef {
  readonly bucket: string;
  /** Decoded key. */
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  /** `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`, … */
  readonly eventName: string;
}

export type S3Notification = { readonly kind: 'test' } | { readonly kind: 'objects'; readonly objects: readonly S3ObjectRef[] };

/** The body is not an S3 notification Vigil can read; retrying will not change that. */
export class NotificationFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotificationFormatError';
  }
}

/** Why an object named by a notification is not read. */
export type SkipReason = 'not-created' | 'empty-object' | 'folder-marker' | 'cloudtrail-digest' | 'cloudtrail-insight';

/** @throws NotificationFormatError when the body is neither an S3 notification nor an SNS envelope of one. */
export function readS3Notification(body: string): S3Notification {
  let message = parseJson(body, 'the message body');
  // SNS envelope: the S3 notification is a JSON string in `Message`.
  if (isObject(message) && message.Type === 'Notification' && typeof message.Message === 'string') {
    message = parseJson(message.Message, 'the SNS Message');
  }
  if (!isObject(message)) throw new NotificationFormatError('the notification is not a JSON object');
  if (message.Event === 's3:TestEvent') return { kind: 'test' };
  if (!Array.isArray(message.Records)) throw new NotificationFormatError('the notification has no Records array');
  return { kind: 'objects', objects: message.Records.map(objectRef) };
}

/** Why an object should not be read, or undefined when it is a log file to process. */
export function skipReason(object: S3ObjectRef): SkipReason | undefined {
  if (!object.eventName.startsWith('ObjectCreated:')) return 'not-created';
  if (object.key.endsWith('/')) return 'folder-marker';
  if (object.size === 0) return 'empty-object';
  if (object.key.includes('/CloudTrail-Digest/')) return 'cloudtrail-digest';
  if (object.key.includes('/CloudTrail-Insight/')) return 'cloudtrail-insight';
  return undefined;
}

/** Decodes a notification key: URL-encoding with `+` standing for a space. */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (error) {
    throw new NotificationFormatError(`object key ${JSON.stringify(key.slice(0, 200))} is not valid URL encoding`, { cause: error });
  }
}

function objectRef(record: unknown, index: number): S3ObjectRef {
  const s3 = isObject(record) && isObject(record.s3) ? record.s3 : undefined;
  const bucket = s3 && isObject(s3.bucket) ? s3.bucket.name : undefined;
  const object = s3 && isObject(s3.object) ? s3.object : undefined;
  if (!isObject(record) || typeof bucket !== 'string' || !object || typeof object.key !== 'string') {
    throw new NotificationFormatError(`Records[${index}] names no bucket and key`);
  }
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  return {
    bucket,
    key: decodeS3Key(object.key),
    eventName,
    ...(typeof object.size === 'number' ? { size: object.size } : {}),
    ...(typeof object.eTag === 'string' ? { eTag: object.eTag } : {}),
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NotificationFormatError(`${what} is not JSON`, { cause: error });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
