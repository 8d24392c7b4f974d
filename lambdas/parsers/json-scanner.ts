/**
 * Cuts a stream of JSON text into independent records ("units") without parsing it.
 *
 * CloudTrail files are one huge object, `{"Records":[…]}`, of up to hundreds of MB once inflated. Rather
 * than build that object (or drive a streaming JSON parser that gives up at the first syntax error), the
 * scanner walks the bytes once, tracking only string/escape state and nesting depth, and hands each element
 * of the `Records` array to the caller as its own text; the caller runs the native `JSON.parse` on it.
 * A malformed record therefore costs one record, not the rest of the file.
 *
 * Two modes:
 * - `records`: units are the elements of the `Records` array of each top-level object (other keys are
 *   skipped without being buffered), for CloudTrail S3 files, also concatenated ones;
 * - `values`: units are top-level values (JSON lines, concatenated objects) or, for a top-level array, its
 *   elements, for everything else.
 *
 * Resynchronisation. Structural damage (a lost quote or brace) shifts the depth count so that the current
 * unit never ends. The caller gives a signature that starts every record of the input and cannot occur
 * inside a valid one, e.g. `{"eventVersion"` for CloudTrail or `\n{` for JSON lines. When the signature
 * appears where the scanner believes it is still inside a unit, that unit is reported as malformed and a new
 * unit begins at the signature.
 */

/** Where a unit starts: its ordinal in the input (0-based), its line (1-based) and its byte offset. */
export interface UnitLocation {
  readonly index: number;
  readonly line: number;
  readonly offset: number;
}

/** Receives the scanner's output, in input order. */
export interface UnitSink {
  /** A complete unit's text, ready for `JSON.parse`. */
  unit(text: string, at: UnitLocation): void;
  /** A unit that cannot be valid JSON (cut short or followed by another record), or bytes between units. */
  malformed(at: UnitLocation, message: string, excerptBytes: Uint8Array): void;
  /** A unit longer than the limit; its bytes are skipped, not buffered. */
  oversized(at: UnitLocation, maxBytes: number): void;
  /** The input ended while a JSON value (not inside any unit) was still open, e.g. a truncated file. */
  truncated(at: { readonly line: number; readonly offset: number }): void;
}

export type ScanMode = 'records' | 'values';

export interface ScannerOptions {
  readonly mode: ScanMode;
  readonly maxUnitBytes: number;
  /** Bytes that begin every unit (see the module comment). */
  readonly resync?: {
    readonly signature: Uint8Array;
    /** Index in the signature of the unit's first byte (`1` for `\n{`). */
    readonly unitStartsAt: number;
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;

const RECORDS_KEY = Buffer.from('Records');
const JUNK_EXCERPT_BYTES = 256;

/** The first bytes of a unit held in parts: enough for an excerpt, without concatenating megabytes. */
function headBytes(parts: readonly Uint8Array[], limit = 1024): Buffer {
  const head: Uint8Array[] = [];
  let size = 0;
  for (const part of parts) {
    if (size >= limit) break;
    const take = part.subarray(0, limit - size);
    head.push(take);
    size += take.length;
  }
  return Buffer.concat(head, size);
}

function isBlank(b: number): boolean {
  return b === 0x20 || b === NEWLINE || b === 0x0d || b === 0x09;
}

export class JsonUnitScanner {
  private readonly mode: ScanMode;
  private readonly maxUnitBytes: number;
  private readonly signature: Uint8Array | undefined;
  private readonly signatureUnitStart: number;
  private signatureMatched = 0;

  /** Absolute offset of the current chunk's first byte, and the current line. */
  private offset = 0;
  private line = 1;

  private depth = 0;
  private inString = false;
  private escaped = false;
  /**
   * Depth at which units begin, or -1 where there are none (records mode outside a `Records` array).
   * In values mode it is 0 at the top level and 1 inside a top-level array.
   */
  private unitLevel: number;
  /** Whether units at `unitLevel` are array elements (so commas separate them and scalars count). */
  private unitsInArray = false;

  // The unit being cut.
  private inUnit = false;
  /** A scalar array element (`null`, `12`, `"x"`), which ends at a delimiter rather than a bracket. */
  private unitIsScalar = false;
  private unitOversized = false;
  private unitStart = 0;
  private unitLine = 1;
  private unitIndex = 0;
  private nextIndex = 0;
  /** Copies of the unit's bytes from earlier chunks. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Index in the current chunk where the unit's bytes (still uncopied) begin. */
  private partStart = 0;

  // Records mode: recognising the `"Records": [` key at depth 1.
  private capturingKey = false;
  private readonly keyBytes = Buffer.alloc(RECORDS_KEY.length);
  private keyLength = 0;
  private lastStringWasRecordsKey = false;
  private recordsValueExpected = false;

  // Bytes between units that are not JSON.
  private junkStart = -1;
  private junkLine = 0;
  private readonly junkExcerpt = Buffer.alloc(JUNK_EXCERPT_BYTES);
  private junkExcerptLength = 0;

  constructor(
    private readonly sink: UnitSink,
    options: ScannerOptions,
  ) {
    this.mode = options.mode;
    this.maxUnitBytes = options.maxUnitBytes;
    this.signature = options.resync?.signature;
    this.signatureUnitStart = options.resync?.unitStartsAt ?? 0;
    this.unitLevel = options.mode === 'records' ? -1 : 0;
  }

  push(chunk: Buffer): void {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      if (this.inUnit && !this.unitIsScalar) {
        i = this.scanInsideUnit(chunk, i);
      } else {
        this.slowByte(chunk, i);
        i++;
      }
    }
    this.carryUnit(chunk);
    this.offset += length;
  }

  /**
   * The hot loop: inside a record only strings, escapes and brackets matter. Scanner state lives in locals
   * for the run and is written back before anything else looks at it. Returns the index after the last
   * byte consumed (the record's end, or the chunk's end).
   */
  private scanInsideUnit(chunk: Buffer, from: number): number {
    const length = chunk.length;
    const unitLevel = this.unitLevel;
    const signature = this.signature;
    const sigLength = signature === undefined ? 0 : signature.length;
    const sigFirst = signature === undefined ? -1 : signature[0]!;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let line = this.line;
    let matched = this.signatureMatched;
    for (let i = from; i < length; i++) {
      const b = chunk[i]!;
      let unitEnds = false;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
        else if (b === NEWLINE) line++;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) unitEnds = --depth === unitLevel;
      else if (b === NEWLINE) line++;

      if (sigLength > 0) {
        if (b === signature![matched]) {
          if (++matched === sigLength) {
            matched = 0;
            this.depth = depth;
            this.inString = inString;
            this.escaped = escaped;
            this.line = line;
            this.signatureMatched = 0;
            if (this.onSignature(chunk, i)) return i + 1;
          }
        } else {
          matched = b === sigFirst ? 1 : 0;
        }
      }
      if (unitEnds) {
        this.depth = depth;
        this.inString = false;
        this.escaped = false;
        this.line = line;
        this.signatureMatched = matched;
        this.endUnit(chunk, i + 1);
        return i + 1;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.line = line;
    this.signatureMatched = matched;
    return length;
  }

  /** One byte outside the hot loop: between records, in keys, in scalar elements, in junk. */
  private slowByte(chunk: Buffer, i: number): void {
    const b = chunk[i]!;
    if (this.inString) {
      if (b === QUOTE && !this.escaped) this.closeString(chunk, i);
      else {
        if (this.capturingKey) this.captureKeyByte(b);
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === NEWLINE) this.line++;
      }
    } else {
      this.structuralByte(chunk, i, b);
    }
    const signature = this.signature;
    if (signature !== undefined) {
      if (b === signature[this.signatureMatched]) {
        if (++this.signatureMatched === signature.length) {
          this.signatureMatched = 0;
          this.onSignature(chunk, i);
        }
      } else {
        this.signatureMatched = b === signature[0] ? 1 : 0;
      }
    }
  }

  /** Reports whatever the input left open: a unit cut short, trailing junk, an unclosed top-level value. */
  end(): void {
    if (this.inUnit) {
      if (this.unitIsScalar && !this.inString) {
        // A bare scalar at the very end (`[1, 2` then EOF) is complete as far as it goes; let JSON.parse judge.
        const text = Buffer.concat(this.parts, this.partsBytes).toString('utf8');
        this.sink.unit(text, this.unitLocation());
      } else if (!this.unitOversized) {
        this.sink.malformed(this.unitLocation(), 'input ends inside this record (truncated)', headBytes(this.parts));
      }
      this.resetUnit();
    } else if (this.junkStart >= 0) {
      this.endJunk();
    } else if (this.depth > 0) {
      this.sink.truncated({ line: this.line, offset: this.offset });
    }
  }

  // --- units -------------------------------------------------------------------------------------------

  private startUnit(i: number, scalar: boolean): void {
    this.inUnit = true;
    this.unitIsScalar = scalar;
    this.unitOversized = false;
    this.unitStart = this.offset + i;
    this.unitLine = this.line;
    this.unitIndex = this.nextIndex++;
    this.parts = [];
    this.partsBytes = 0;
    this.partStart = i;
  }

  /** The unit ends before `chunk[end]`. */
  private endUnit(chunk: Buffer, end: number): void {
    const size = this.offset + end - this.unitStart;
    if (this.unitOversized) {
      // Reported when it crossed the limit.
    } else if (size > this.maxUnitBytes) {
      this.sink.oversized(this.unitLocation(), this.maxUnitBytes);
    } else if (this.parts.length === 0) {
      this.sink.unit(chunk.toString('utf8', this.partStart, end), this.unitLocation());
    } else {
      this.parts.push(chunk.subarray(this.partStart, end));
      this.sink.unit(Buffer.concat(this.parts, size).toString('utf8'), this.unitLocation());
    }
    this.resetUnit();
  }

  private resetUnit(): void {
    this.inUnit = false;
    this.unitIsScalar = false;
    this.unitOversized = false;
    this.parts = [];
    this.partsBytes = 0;
  }

  /** At the end of a chunk, keeps a copy of the open unit's bytes, or gives up buffering past the limit. */
  private carryUnit(chunk: Buffer): void {
    if (!this.inUnit || this.unitOversized) return;
    const size = this.offset + chunk.length - this.unitStart;
    if (size > this.maxUnitBytes) {
      this.unitOversized = true;
      this.parts = [];
      this.partsBytes = 0;
      this.sink.oversized(this.unitLocation(), this.maxUnitBytes);
      return;
    }
    if (this.partStart < chunk.length) {
      this.parts.push(Buffer.from(chunk.subarray(this.partStart)));
      this.partsBytes += chunk.length - this.partStart;
    }
    this.partStart = 0;
  }

  private unitLocation(): UnitLocation {
    return { index: this.unitIndex, line: this.unitLine, offset: this.unitStart };
  }

  // --- strings -------------------------------------------------------------------------------------------

  private closeString(chunk: Buffer, i: number): void {
    this.inString = false;
    if (this.capturingKey) {
      this.capturingKey = false;
      this.lastStringWasRecordsKey = this.keyLength === RECORDS_KEY.length && this.keyBytes.equals(RECORDS_KEY);
    }
    if (this.inUnit && this.unitIsScalar) this.endUnit(chunk, i + 1);
  }

  private captureKeyByte(b: number): void {
    if (this.keyLength < this.keyBytes.length) this.keyBytes[this.keyLength] = b;
    this.keyLength++;
  }

  // --- structure outside units ----------------------------------------------------------------------

  private structuralByte(chunk: Buffer, i: number, b: number): void {
    if (this.inUnit) {
      // A non-string scalar array element: it ends at the first delimiter, which is then handled as usual.
      if (!isBlank(b) && b !== COMMA && b !== CLOSE_BRACKET && b !== CLOSE_BRACE) return;
      this.endUnit(chunk, i);
    }
    if (b === NEWLINE) this.line++;
    if (this.junkStart >= 0) {
      if (b !== OPEN_BRACE) {
        this.keepJunkByte(b);
        return;
      }
      this.endJunk();
    }
    if (isBlank(b)) return;

    if (this.depth === this.unitLevel) {
      this.betweenUnits(chunk, i, b);
      return;
    }
    if (this.mode === 'values') {
      // Values mode keeps the depth at the unit level outside units; if it is not, the state was lost to
      // damage, and the bytes are junk until the next object.
      this.startJunk(i, b);
      return;
    }
    this.recordsStructure(i, b);
  }

  /** At the unit level: a unit starts, or a separator / the enclosing array's end. */
  private betweenUnits(chunk: Buffer, i: number, b: number): void {
    if (b === OPEN_BRACE || (b === OPEN_BRACKET && this.unitsInArray)) {
      this.startUnit(i, false);
      this.depth++;
      return;
    }
    if (!this.unitsInArray) {
      // Values mode, top level.
      if (b === OPEN_BRACKET) {
        this.depth = 1;
        this.unitLevel = 1;
        this.unitsInArray = true;
      } else if (b !== COMMA && b !== CLOSE_BRACKET) {
        this.startJunk(i, b);
      }
      return;
    }
    if (b === COMMA) return;
    if (b === CLOSE_BRACKET || b === CLOSE_BRACE) {
      // The unit-bearing array closes (a brace here is damage, but closing is the only sane reading).
      this.depth--;
      this.unitsInArray = false;
      this.unitLevel = this.mode === 'records' ? -1 : 0;
      if (this.mode === 'records') this.recordsValueExpected = false;
      return;
    }
    this.startUnit(i, true);
    if (b === QUOTE) this.inString = true;
  }

  /** Records mode outside the `Records` array: skip structure, watching depth-1 keys for `Records`. */
  private recordsStructure(i: number, b: number): void {
    if (this.depth === 0) {
      if (b === OPEN_BRACE) this.depth = 1;
      else this.startJunk(i, b);
      return;
    }
    switch (b) {
      case QUOTE:
        this.inString = true;
        // Every depth-1 string is captured: the one right before a depth-1 colon is always a key.
        if (this.depth === 1) {
          this.capturingKey = true;
          this.keyLength = 0;
        }
        this.recordsValueExpected = false;
        return;
      case COLON:
        if (this.depth === 1) this.recordsValueExpected = this.lastStringWasRecordsKey;
        return;
      case OPEN_BRACKET:
        if (this.depth === 1 && this.recordsValueExpected) {
          this.depth = 2;
          this.unitLevel = 2;
          this.unitsInArray = true;
        } else {
          this.depth++;
        }
        this.recordsValueExpected = false;
        return;
      case OPEN_BRACE:
        this.depth++;
        this.recordsValueExpected = false;
        return;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        this.depth--;
        return;
      default:
        this.recordsValueExpected = false;
    }
  }

  // --- junk ----------------------------------------------------------------------------------------------

  private startJunk(i: number, b: number): void {
    this.junkStart = this.offset + i;
    this.junkLine = this.line;
    this.junkExcerptLength = 0;
    this.keepJunkByte(b);
  }

  private keepJunkByte(b: number): void {
    if (this.junkExcerptLength < JUNK_EXCERPT_BYTES) this.junkExcerpt[this.junkExcerptLength++] = b;
  }

  private endJunk(): void {
    const at: UnitLocation = { index: this.nextIndex++, line: this.junkLine, offset: this.junkStart };
    this.sink.malformed(at, 'bytes between records are not JSON', this.junkExcerpt.subarray(0, this.junkExcerptLength));
    this.junkStart = -1;
  }

  // --- resynchronisation -----------------------------------------------------------------------------

  /**
   * The signature's last byte is `chunk[i]`. Returns true when the scanner resynchronised (its state was
   * replaced), false when the signature was just the start of the current record.
   */
  private onSignature(chunk: Buffer, i: number): boolean {
    const signature = this.signature!;
    const start = this.offset + i + 1 - signature.length + this.signatureUnitStart;
    if (this.inUnit && this.unitStart === start) return false; // an ordinary record start
    if (this.inUnit) {
      if (!this.unitOversized) {
        const upTo = Math.max(this.partStart, start - this.offset);
        const bytes = headBytes([...this.parts, chunk.subarray(this.partStart, upTo)]);
        this.sink.malformed(this.unitLocation(), 'record is not valid JSON: the next record starts before it closes', bytes);
      }
      this.resetUnit();
    } else if (this.junkStart >= 0) {
      this.endJunk();
    }
    // Continue as if the signature had been read at the start of a unit, inside its first object.
    const level = this.mode === 'records' ? 2 : this.unitsInArray ? 1 : 0;
    this.unitLevel = level;
    this.unitsInArray = this.mode === 'records' || this.unitsInArray;
    this.depth = level + 1;
    this.inString = false;
    this.escaped = false;
    this.capturingKey = false;
    this.recordsValueExpected = false;
    this.inUnit = true;
    this.unitIsScalar = false;
    this.unitOversized = false;
    this.unitStart = start;
    this.unitLine = this.line;
    this.unitIndex = this.nextIndex++;
    this.parts = [];
    this.partsBytes = 0;
    if (start >= this.offset) {
      this.partStart = start - this.offset;
    } else {
      // The signature began in the previous chunk: its bytes are known, so rebuild them.
      const carried = signature.subarray(this.signatureUnitStart, this.signatureUnitStart + (this.offset - start));
      this.parts.push(Buffer.from(carried));
      this.partsBytes = carried.length;
      this.partStart = 0;
    }
    return true;
  }
}
