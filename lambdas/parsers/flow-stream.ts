/**
 * A VPC flow log text stream to results: header handling, then one {@link FlowLayout} pass per line.
 *
 * S3 flow log files start with a header naming their columns; concatenated files (several gzip members)
 * repeat it, and a header may change the layout mid-stream. Headerless input (Firehose, exports) uses the
 * caller's format or the v2 default.
 */
import type { EventOrigin } from '../engine/events';
import { FlowFormatError } from './errors';
import { excerptOfText } from './excerpt';
import { LineSplitter, type LineSink } from './line-splitter';
import type { ResultCollector } from './result-collector';
import { issueResult } from './results';
import { compileFlowFormat, isFlowHeaderLine, type FlowLayout } from './vpc-flow';

export class FlowStreamReader implements LineSink {
  private readonly splitter: LineSplitter;
  /** The layout in force: from the last header, else the fallback; undefined while none is usable. */
  private layout: FlowLayout | undefined;
  private fallbackChecked = false;
  /** Unknown columns already reported, so a repeated header does not repeat the notice. */
  private readonly reportedUnknown = new Set<string>();

  constructor(
    private readonly collector: ResultCollector,
    private readonly input: string,
    /** Layout for lines before any header: the caller's format, or the v2 default. */
    private readonly fallback: FlowLayout | FlowFormatError,
    maxLineBytes: number,
  ) {
    this.splitter = new LineSplitter(this, maxLineBytes);
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
  }

  line(text: string, start: number, end: number, lineNumber: number): void {
    if (start === end) return;
    const first = text.charCodeAt(start);
    // Only a line starting with a lower-case letter can be a header; data lines start with a digit, an
    // address or an id, and never pay for the check unless their first column is a lower-case id.
    if (first >= 0x61 && first <= 0x7a) {
      const candidate = text.slice(start, end);
      if (isFlowHeaderLine(candidate)) {
        this.useHeader(candidate, lineNumber);
        return;
      }
    } else if (isBlankRange(text, start, end)) {
      return;
    }
    const origin: EventOrigin = { input: this.input, line: lineNumber };
    const layout = this.layout ?? this.fallbackLayout(origin);
    if (layout === undefined) return;
    this.collector.record(layout.parseRange(text, start, end, origin));
  }

  oversized(lineNumber: number, byteOffset: number, maxBytes: number): void {
    const origin: EventOrigin = { input: this.input, line: lineNumber, offset: byteOffset };
    this.collector.record(issueResult('oversized-record', `line is longer than ${maxBytes} bytes; skipped`, origin, 'vpcflow'));
  }

  private useHeader(header: string, lineNumber: number): void {
    const origin: EventOrigin = { input: this.input, line: lineNumber };
    const compiled = compileFlowFormat(header);
    if (compiled instanceof FlowFormatError) {
      // Lines under a header Vigil cannot use are not read as the previous layout either.
      this.layout = undefined;
      this.fallbackChecked = true;
      this.collector.inputIssue(issueResult('unrecognized-format', `flow log header cannot be used: ${compiled.message}; records under it are not read`, origin, 'vpcflow', excerptOfText(header)));
      return;
    }
    this.layout = compiled;
    this.reportUnknownColumns(compiled, origin);
  }

  /** The fallback layout, checked (and its problems reported) on first use only. */
  private fallbackLayout(origin: EventOrigin): FlowLayout | undefined {
    if (this.fallbackChecked) return undefined;
    this.fallbackChecked = true;
    if (this.fallback instanceof FlowFormatError) {
      this.collector.inputIssue(issueResult('unrecognized-format', `flow records have no header and the flow format cannot be used: ${this.fallback.message}`, origin, 'vpcflow'));
      return undefined;
    }
    this.layout = this.fallback;
    this.reportUnknownColumns(this.fallback, origin);
    return this.layout;
  }

  private reportUnknownColumns(layout: FlowLayout, origin: EventOrigin): void {
    const fresh = layout.unknownColumns.filter((name) => !this.reportedUnknown.has(name));
    if (fresh.length === 0) return;
    for (const name of fresh) this.reportedUnknown.add(name);
    this.collector.inputIssue(
      issueResult('unknown-column', `flow log format has column(s) Vigil does not know: ${fresh.join(', ')}; their values are kept in extra`, origin, 'vpcflow'),
    );
  }
}

function isBlankRange(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}
