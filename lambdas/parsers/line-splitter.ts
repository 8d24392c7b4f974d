/**
 * Splits a byte stream into text lines without holding more than one line and one chunk.
 *
 * Newlines are found in the bytes (exact byte counts for the size limit, no split UTF-8 characters since
 * `\n` never occurs inside one), then each run of whole lines is decoded with one native call and handed
 * out as `(text, start, end)` ranges, so a line never becomes a string of its own unless the consumer
 * slices it. A line longer than the limit is reported once and skipped up to its newline without being
 * accumulated, whatever its size.
 */

/** Receives the lines of a stream, in order. Line numbers are 1-based. */
export interface LineSink {
  /** One line (without `\n`; a trailing `\r` is left to the consumer) as `text.slice(start, end)`. */
  line(text: string, start: number, end: number, lineNumber: number): void;
  /** A line longer than the limit; `byteOffset` is where it starts in the stream. */
  oversized(lineNumber: number, byteOffset: number, maxBytes: number): void;
}

const NEWLINE = 0x0a;

export class LineSplitter {
  /** Bytes of the unfinished line carried over from previous chunks (copied: producers may reuse buffers). */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** True while skipping the rest of an oversized line. */
  private skipping = false;
  private lineNumber = 1;
  /** Stream offset of the first byte of the current chunk. */
  private offset = 0;
  private lineStartOffset = 0;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let from = 0;
    const length = chunk.length;
    while (from < length) {
      const newline = chunk.indexOf(NEWLINE, from);
      if (newline === -1) {
        this.keepPartial(chunk, from, length);
        break;
      }
      if (this.skipping) {
        this.skipping = false;
        this.startNextLine(newline);
        from = newline + 1;
        continue;
      }
      if (this.carryBytes > 0) {
        // The line began in an earlier chunk: finish it on its own.
        if (this.carryBytes + (newline - from) > this.maxLineBytes) this.reportOversized();
        else {
          this.carry.push(chunk.subarray(from, newline));
          const text = Buffer.concat(this.carry, this.carryBytes + newline - from).toString('utf8');
          this.sink.line(text, 0, text.length, this.lineNumber);
        }
        this.carry = [];
        this.carryBytes = 0;
        this.startNextLine(newline);
        from = newline + 1;
        continue;
      }
      // Decode every whole line left in this chunk at once, then walk them as ranges of one string.
      const lastNewline = chunk.lastIndexOf(NEWLINE);
      from = this.emitWholeLines(chunk, from, lastNewline);
    }
    this.offset += length;
  }

  /** Flushes a last line that has no trailing newline. */
  end(): void {
    if (this.carryBytes > 0 && !this.skipping) {
      const text = Buffer.concat(this.carry, this.carryBytes).toString('utf8');
      this.sink.line(text, 0, text.length, this.lineNumber);
    }
    this.carry = [];
    this.carryBytes = 0;
    this.skipping = false;
  }

  /** Emits lines in `chunk[from, lastNewline]`; returns the index after the last newline. */
  private emitWholeLines(chunk: Buffer, from: number, lastNewline: number): number {
    const text = chunk.toString('utf8', from, lastNewline + 1);
    // Pure ASCII (the normal case) maps characters to bytes one to one. Otherwise line ends are found in the
    // bytes too: each line has exactly one `\n` in both, since 0x0a never occurs inside a UTF-8 sequence.
    const ascii = text.length === lastNewline + 1 - from;
    let start = 0;
    let byteAt = from;
    while (start < text.length) {
      const stop = text.indexOf('\n', start);
      const byteStop = ascii ? byteAt + (stop - start) : chunk.indexOf(NEWLINE, byteAt);
      if (byteStop - byteAt > this.maxLineBytes) this.reportOversized(this.offset + byteAt);
      else this.sink.line(text, start, stop, this.lineNumber);
      byteAt = byteStop + 1;
      this.lineNumber++;
      this.lineStartOffset = this.offset + byteAt;
      start = stop + 1;
    }
    return lastNewline + 1;
  }

  private keepPartial(chunk: Buffer, from: number, to: number): void {
    if (this.skipping) return;
    if (this.carryBytes === 0) this.lineStartOffset = this.offset + from;
    if (this.carryBytes + (to - from) > this.maxLineBytes) {
      this.reportOversized();
      this.carry = [];
      this.carryBytes = 0;
      this.skipping = true;
      return;
    }
    this.carry.push(Buffer.from(chunk.subarray(from, to)));
    this.carryBytes += to - from;
  }

  private reportOversized(byteOffset = this.lineStartOffset): void {
    this.sink.oversized(this.lineNumber, byteOffset, this.maxLineBytes);
  }

  private startNextLine(newlineIndex: number): void {
    this.lineNumber++;
    this.lineStartOffset = this.offset + newlineIndex + 1;
  }
}
