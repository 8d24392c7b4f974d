/**
 * Reads log objects from S3 as byte streams, never whole: the body of GetObject is handed to the parsers
 * chunk by chunk, so a 75 MB flow log or a large CloudTrail file needs a few buffers of memory, not its size.
 *
 * Each object gets the input token `s3://bucket/key#etag`: a redelivered notification for the same object
 * version names the same token (and is skipped by the ledger), while an overwritten object gets a new one.
 *
 * A body that breaks off mid-way (connection reset) must not look like a short file, or the rest of it
 * would be lost once its first batches are committed. {@link S3LogObject.body} therefore remembers a
 * transport failure, and {@link S3LogObject.assertComplete} rethrows it after the parsers are done.
 *
 * @example
 * const object = await new S3ObjectReader({ client }).open('logs', 'AWSLogs/…/file.json.gz');
 * await runInput(engine, parseLogStream(object.body, { input: object.token }), { token: object.token });
 * object.assertComplete();
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ObjectNotFoundError, ObjectReadError } from './errors';

export interface S3ObjectReaderOptions {
  readonly client: S3Client;
  /** Objects larger than this are refused instead of read by {@link S3ObjectReader.readText}. @default 64 MiB */
  readonly maxTextBytes?: number;
}

export interface S3LogObject {
  readonly bucket: string;
  readonly key: string;
  /** ETag without quotes. */
  readonly etag: string;
  readonly size: number | undefined;
  /** `s3://bucket/key#etag` */
  readonly token: string;
  /** The object's bytes, as they arrive. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Throws {@link ObjectReadError} if the body stream failed while it was being read. */
  assertComplete(): void;
}

/** The input token of an S3 object version. */
export function s3Token(bucket: string, key: string, etag: string): string {
  return `s3://${bucket}/${key}#${etag}`;
}

export class S3ObjectReader {
  private readonly client: S3Client;
  private readonly maxTextBytes: number;

  constructor(options: S3ObjectReaderOptions) {
    this.client = options.client;
    this.maxTextBytes = options.maxTextBytes ?? 64 * 1024 * 1024;
  }

  /**
   * Opens an object for streaming.
   * @throws ObjectNotFoundError when the key does not exist (any more).
   * @throws ObjectReadError for any other failure; `retryable` tells whether trying again can help.
   */
  async open(bucket: string, key: string): Promise<S3LogObject> {
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') throw new ObjectNotFoundError(bucket, key, { cause: error });
      // Permissions and archived storage classes need an operator; anything else may pass on a retry.
      const permanent = name === 'AccessDenied' || name === 'InvalidObjectState';
      throw new ObjectReadError(bucket, key, `GetObject failed (${name ?? 'error'})`, { cause: error, retryable: !permanent });
    }
    const stream = response.Body as unknown;
    if (!isAsyncIterable(stream)) throw new ObjectReadError(bucket, key, 'GetObject returned no readable body', { retryable: false });
    const etag = (response.ETag ?? '').replace(/"/g, '');
    let failure: unknown;
    const body: AsyncIterable<Uint8Array> = {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const chunk of stream) yield chunk;
        } catch (error) {
          failure = error;
          throw error;
        }
      },
    };
    return {
      bucket,
      key,
      etag,
      size: response.ContentLength,
      token: s3Token(bucket, key, etag),
      body,
      assertComplete() {
        if (failure !== undefined) throw new ObjectReadError(bucket, key, 'the object body broke off while being read', { cause: failure, retryable: true });
      },
    };
  }

  /** Reads a small text object whole (threat lists, configuration). */
  async readText(bucket: string, key: string): Promise<string> {
    const object = await this.open(bucket, key);
    if (object.size !== undefined && object.size > this.maxTextBytes) {
      throw new ObjectReadError(bucket, key, `${object.size} bytes is over the ${this.maxTextBytes}-byte limit for text objects`, { retryable: false });
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of object.body) {
      total += chunk.byteLength;
      if (total > this.maxTextBytes) throw new ObjectReadError(bucket, key, `more than ${this.maxTextBytes} bytes`, { retryable: false });
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    object.assertComplete();
    return Buffer.concat(chunks).toString('utf8');
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}
