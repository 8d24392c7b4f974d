/**
 * Streaming gunzip that reports corruption instead of throwing.
 *
 * Log objects are gzip (CloudTrail, flow logs, resolver logs) or multi-member gzip (Firehose writing
 * CloudWatch Logs data); some arrive already decompressed. {@link gunzipChunks} inflates all members of a
 * stream and, when the data is corrupt or ends early, stops with a {@link GunzipFailure} after yielding
 * everything that inflated cleanly before the fault, so the records before a bad block are not lost.
 *
 * Node's zlib stream is driven by hand rather than piped: an async iterator over a piped stream drops the
 * output still buffered when the error arrives, and one input slice is written at a time so that a highly
 * compressible (or hostile) input cannot inflate into unbounded memory ahead of the consumer.
 */
import { createGunzip, type Gunzip } from 'node:zlib';

/** True when the bytes start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Why and where inflating stopped. */
export interface GunzipFailure {
  /** zlib's description, e.g. "unexpected end of file" or "incorrect header check". */
  readonly message: string;
  /** Compressed bytes fed to zlib before the slice in which the fault was found. */
  readonly compressedOffset: number;
  /** Decompressed bytes produced before the fault. */
  readonly decompressedOffset: number;
}

/** Largest compressed slice written at once; bounds the output held before the consumer asks for more. */
const INPUT_SLICE_BYTES = 16 * 1024;
const OUTPUT_CHUNK_BYTES = 16 * 1024;

/**
 * Inflates a gzip byte stream (all members), yielding decompressed chunks. On corrupt or truncated data it
 * returns a {@link GunzipFailure} (the generator's return value) after yielding all output produced before
 * the fault; on success it returns `undefined`. Errors of the source iterable itself are not caught here.
 *
 * @example
 * const inflate = gunzipChunks(source);
 * for (let r = await inflate.next(); ; r = await inflate.next()) {
 *   if (r.done) { if (r.value) report(r.value); break; }
 *   consume(r.value);
 * }
 */
export async function* gunzipChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer, GunzipFailure | undefined> {
  const pump = new InflatePump(createGunzip({ chunkSize: OUTPUT_CHUNK_BYTES }));
  try {
    for await (const chunk of source) {
      for (let at = 0; at < chunk.length; at += INPUT_SLICE_BYTES) {
        const slice = chunk.subarray(at, Math.min(chunk.length, at + INPUT_SLICE_BYTES));
        await pump.write(slice);
        yield* pump.drain();
        if (pump.failure !== undefined) return pump.failure;
      }
    }
    await pump.end();
    yield* pump.drain();
    return pump.failure;
  } finally {
    pump.close();
  }
}

/** A zlib transform, fed one slice at a time, collecting its output and its first error. */
class InflatePump {
  failure: GunzipFailure | undefined;
  private readonly output: Buffer[] = [];
  private compressedIn = 0;
  private compressedBeforeSlice = 0;
  private decompressedOut = 0;

  constructor(private readonly zlib: Gunzip) {
    zlib.on('data', (chunk: Buffer) => {
      this.output.push(chunk);
      this.decompressedOut += chunk.length;
    });
    zlib.on('error', (error: Error) => {
      this.failure ??= { message: error.message, compressedOffset: this.compressedBeforeSlice, decompressedOffset: this.decompressedOut };
    });
  }

  /** Writes one slice and resolves once zlib has consumed it (or failed). */
  write(slice: Uint8Array): Promise<void> {
    this.compressedBeforeSlice = this.compressedIn;
    this.compressedIn += slice.length;
    return this.settle((done) => {
      // The callback runs once the transform has pushed all output for this slice.
      this.zlib.write(slice, done);
    });
  }

  /** Ends the input and resolves when zlib has flushed everything (or failed, e.g. on a truncated file). */
  end(): Promise<void> {
    this.compressedBeforeSlice = this.compressedIn;
    return this.settle((done) => {
      // 'end' fires once all output has been emitted, which the 'data' listener guarantees.
      this.zlib.once('end', done);
      this.zlib.end();
    });
  }

  /**
   * Runs `start` and resolves when it signals completion, or when the stream errors or closes: after a
   * zlib error the callback of the write in flight is not guaranteed to run.
   */
  private settle(start: (done: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure !== undefined || this.zlib.destroyed) return resolve();
      const done = (): void => {
        this.zlib.off('error', done);
        this.zlib.off('close', done);
        resolve();
      };
      this.zlib.once('error', done);
      this.zlib.once('close', done);
      start(done);
    });
  }

  *drain(): Generator<Buffer> {
    while (this.output.length > 0) yield this.output.shift()!;
  }

  close(): void {
    if (!this.zlib.destroyed) this.zlib.destroy();
  }
}
