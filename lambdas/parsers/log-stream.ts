/**
 * Any log input, as bytes, to chunks of parse results: gunzip if the magic bytes say so, detect the format
 * from the content, then stream the records through the format's reader.
 *
 * Memory stays bounded by one input chunk, one record and one result chunk, whatever the input's size.
 * Nothing throws out of here: a source that fails, corrupt gzip, unknown content and bad records all
 * become issues, after every result that could be produced before them.
 */
import type { EventOrigin } from '../engine/events';
import { contentStart, detectFormat, DETECTION_WINDOW_BYTES } from './detect';
import { excerptOfBytes } from './excerpt';
import { FlowStreamReader } from './flow-stream';
import { gunzipChunks, isGzip, type GunzipFailure } from './gzip';
import { FORMAT_SOURCES, JsonStreamReader } from './json-stream';
import { ResultCollector } from './result-collector';
import { issueResult } from './results';
import {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_JSON_RECORD_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  type InputFormat,
  type ParsedChunk,
  type ParseOptions,
  type ParseSummary,
} from './types';
import { flowLayoutFor } from './vpc-flow';

/**
 * Largest slice handed to a reader at once: one huge source chunk still yields results progressively, and
 * the text a reader decodes from a slice stays below the size at which V8 allocates strings in large-object
 * space (decoding a 256 KiB slice measured 25 times slower per byte than a 64 KiB one).
 */
const READ_SLICE_BYTES = 64 * 1024;

interface RecordReader {
  push(chunk: Buffer): void;
  end(): void;
}

/**
 * Parses a log input streamed as bytes: CloudTrail files (also digests, skipped), bare CloudTrail records,
 * EventBridge envelopes, CloudWatch Logs subscription data, VPC flow logs and Route 53 Resolver query logs,
 * gzip (also multi-member) or not. The format is detected from the content, never the name. Yields chunks
 * of at most `chunkSize` results in input order; returns a {@link ParseSummary}.
 *
 * Never throws on bad input: corrupt gzip, truncated JSON, binary junk, oversized records and a failing
 * source become issues (with a byte offset or line), and everything parsable before and after them is
 * still yielded.
 *
 * @example
 * const parse = parseLogStream(createReadStream(path), { input: path });
 * let step = await parse.next();
 * for (; !step.done; step = await parse.next()) handle(step.value.results);
 * console.log(step.value); // { format: 'cloudtrail-file', source: 'cloudtrail', records: 120, events: 119, skipped: 0, issues: 1 }
 */
export async function* parseLogStream(bytes: AsyncIterable<Uint8Array>, options: ParseOptions): AsyncGenerator<ParsedChunk, ParseSummary> {
  const collector = new ResultCollector(Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const inputOrigin: EventOrigin = { input: options.input };
  const source = new SourceReader(bytes);
  let decoded: DecodedReader | undefined;
  try {
    decoded = await DecodedReader.open(source);

    const prefix: Buffer[] = [];
    let prefixBytes = 0;
    let ended = false;
    while (prefixBytes < DETECTION_WINDOW_BYTES) {
      const chunk = await decoded.next();
      if (chunk === undefined) {
        ended = true;
        break;
      }
      prefix.push(chunk);
      prefixBytes += chunk.length;
    }
    const head = Buffer.concat(prefix, prefixBytes);
    const format = detectFormat(head, { flowFormatGiven: options.flowFormat !== undefined });
    collector.setFormat(format, FORMAT_SOURCES[format]);

    const reader = createReader(format, collector, options);
    if (format === 'unknown') {
      const at = contentStart(head);
      collector.inputIssue(issueResult('unrecognized-format', 'content is not a log format Vigil reads', { ...inputOrigin, offset: at }, undefined, excerptOfBytes(head, at)));
    }
    if (reader !== undefined) {
      for (const chunk of prefix) {
        reader.push(chunk);
        yield* drain(collector);
      }
      if (!ended) {
        for (let chunk = await decoded.next(); chunk !== undefined; chunk = await decoded.next()) {
          reader.push(chunk);
          yield* drain(collector);
        }
      }
      reader.end();
    }
    // Digest, unknown and empty inputs are not read further; a fault found so far is still worth telling.
    // A source that failed mid-stream also cuts the gzip short: report the cause (below), not the symptom.
    if (decoded.failure !== undefined && source.error === undefined) collector.inputIssue(corruptGzipIssue(decoded.failure, inputOrigin));
  } catch (error) {
    // Only a defect of the parser itself gets here; say so instead of losing the input silently.
    collector.inputIssue(issueResult('unreadable-input', `parser failed: ${describe(error)}`, inputOrigin));
  } finally {
    await decoded?.close();
  }
  if (source.error !== undefined) {
    collector.inputIssue(issueResult('unreadable-input', `reading the input failed after ${source.bytesRead} bytes: ${describe(source.error)}`, inputOrigin));
  }
  for (const results of collector.take(true)) yield { results };
  return { ...collector.summary };
}

/**
 * {@link parseLogStream} for an in-memory buffer (a Lambda payload, a test fixture). The buffer is read in
 * slices, so results still arrive chunk by chunk.
 *
 * @example
 * for await (const { results } of parseLogBuffer(gzipSync(text), { input: 'inline' })) console.log(results.length);
 */
export function parseLogBuffer(buffer: Uint8Array, options: ParseOptions): AsyncGenerator<ParsedChunk, ParseSummary> {
  return parseLogStream(bufferChunks(buffer), options);
}

async function* bufferChunks(buffer: Uint8Array): AsyncGenerator<Uint8Array> {
  yield buffer;
}

function* drain(collector: ResultCollector): Generator<ParsedChunk> {
  for (const results of collector.take()) yield { results };
}

function createReader(format: InputFormat, collector: ResultCollector, options: ParseOptions): RecordReader | undefined {
  switch (format) {
    case 'vpcflow':
      return new FlowStreamReader(collector, options.input, flowLayoutFor(options.flowFormat), options.maxRecordBytes ?? DEFAULT_MAX_LINE_BYTES);
    case 'cloudtrail-file':
    case 'cloudtrail-records':
    case 'eventbridge':
    case 'cwl-subscription':
    case 'dns-jsonl':
      return new JsonStreamReader(collector, options.input, format, options.maxRecordBytes ?? DEFAULT_MAX_JSON_RECORD_BYTES, flowLayoutFor(options.flowFormat));
    case 'cloudtrail-digest':
    case 'empty':
    case 'unknown':
      return undefined;
  }
}

function corruptGzipIssue(failure: GunzipFailure, inputOrigin: EventOrigin): ReturnType<typeof issueResult> {
  return issueResult(
    'corrupt-gzip',
    `gzip data is corrupt or truncated near compressed byte ${failure.compressedOffset} (${failure.message}); ` +
      `the ${failure.decompressedOffset} bytes inflated before it were parsed`,
    { ...inputOrigin, offset: failure.decompressedOffset },
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The caller's byte source, as Buffers, with its failure captured instead of thrown. */
class SourceReader {
  error: unknown;
  bytesRead = 0;
  private readonly iterator: AsyncIterator<Uint8Array>;
  private done = false;

  constructor(bytes: AsyncIterable<Uint8Array>) {
    this.iterator = bytes[Symbol.asyncIterator]();
  }

  /** Chunks of at most {@link READ_SLICE_BYTES}, until the source ends or fails. */
  async *chunks(): AsyncGenerator<Buffer> {
    while (!this.done) {
      let step: IteratorResult<Uint8Array>;
      try {
        step = await this.iterator.next();
      } catch (error) {
        this.error = error ?? new Error('source failed');
        this.done = true;
        return;
      }
      if (step.done) {
        this.done = true;
        return;
      }
      const chunk = toBuffer(step.value);
      this.bytesRead += chunk.length;
      for (let at = 0; at < chunk.length; at += READ_SLICE_BYTES) yield chunk.subarray(at, at + READ_SLICE_BYTES);
    }
  }

  /** Releases the source (closes a file stream) when parsing stops before its end. */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.iterator.return?.();
    } catch {
      // The source is being abandoned; a failure to close it changes nothing for the results.
    }
  }
}

function toBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  // Streams with an encoding set deliver strings despite the declared type.
  if (typeof (chunk as unknown) === 'string') return Buffer.from(chunk as unknown as string);
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The decompressed view of the source: gunzip when it starts with the gzip magic bytes, else as is. */
class DecodedReader {
  failure: GunzipFailure | undefined;

  private constructor(
    private readonly source: SourceReader,
    private readonly generator: AsyncGenerator<Buffer, GunzipFailure | undefined>,
  ) {}

  static async open(source: SourceReader): Promise<DecodedReader> {
    const chunks = source.chunks();
    // Gather at least two bytes: a source may deliver one byte at a time.
    const head: Buffer[] = [];
    let headBytes = 0;
    while (headBytes < 2) {
      const step = await chunks.next();
      if (step.done) break;
      if (step.value.length === 0) continue;
      head.push(step.value);
      headBytes += step.value.length;
    }
    const all = prepend(head, chunks);
    const compressed = isGzip(Buffer.concat(head, headBytes));
    return new DecodedReader(source, compressed ? gunzipChunks(all) : plain(all));
  }

  /** The next decoded chunk, or undefined at the end (then {@link failure} tells whether it was a fault). */
  async next(): Promise<Buffer | undefined> {
    const step = await this.generator.next();
    if (step.done) {
      this.failure = step.value;
      return undefined;
    }
    return step.value;
  }

  async close(): Promise<void> {
    await this.generator.return(undefined);
    await this.source.close();
  }
}

async function* prepend(head: readonly Buffer[], rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}

async function* plain(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer, undefined> {
  yield* chunks;
  return undefined;
}
