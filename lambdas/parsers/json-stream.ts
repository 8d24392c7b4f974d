/**
 * A JSON log stream to results: the scanner cuts records, `JSON.parse` reads each one, and the record
 * parser of the detected format turns it into an event.
 */
import type { EventOrigin, LogSource } from '../engine/events';
import type { ParseResult } from '../engine/issues';
import { parseCloudTrailRecord, parseEventBridgeCloudTrail } from './cloudtrail';
import { readCloudWatchLogsMessage } from './cloudwatch-logs';
import type { FlowFormatError } from './errors';
import { excerptOfBytes, excerptOfText } from './excerpt';
import { JsonUnitScanner, type ScannerOptions, type UnitLocation, type UnitSink } from './json-scanner';
import type { ResultCollector } from './result-collector';
import { issueResult } from './results';
import { parseResolverQuery } from './route53-resolver';
import type { InputFormat } from './types';
import type { FlowLayout } from './vpc-flow';

/** The JSON formats this reader handles. */
export type JsonInputFormat = Extract<InputFormat, 'cloudtrail-file' | 'cloudtrail-records' | 'eventbridge' | 'cwl-subscription' | 'dns-jsonl'>;

type RecordParser = (value: unknown, origin: EventOrigin) => ParseResult;

const RECORD_PARSERS: Readonly<Record<Exclude<JsonInputFormat, 'cwl-subscription'>, RecordParser>> = {
  'cloudtrail-file': parseCloudTrailRecord,
  'cloudtrail-records': parseCloudTrailRecord,
  eventbridge: parseEventBridgeCloudTrail,
  'dns-jsonl': parseResolverQuery,
};

/** The log source each format's records belong to (subscription messages carry any). */
export const FORMAT_SOURCES: Readonly<Partial<Record<InputFormat, LogSource>>> = {
  'cloudtrail-file': 'cloudtrail',
  'cloudtrail-digest': 'cloudtrail',
  'cloudtrail-records': 'cloudtrail',
  eventbridge: 'cloudtrail',
  'dns-jsonl': 'dns',
  vpcflow: 'vpcflow',
};

/**
 * How the scanner finds records and where it may resynchronise: CloudTrail serialises `eventVersion` first
 * and CloudWatch Logs `messageType` first, even without newlines between records (Firehose); JSON lines
 * (EventBridge archives, resolver logs) start each record on a new line.
 */
function scannerOptions(format: JsonInputFormat, maxUnitBytes: number): ScannerOptions {
  const signature = (text: string, unitStartsAt = 0): ScannerOptions['resync'] => ({ signature: Buffer.from(text), unitStartsAt });
  switch (format) {
    case 'cloudtrail-file':
      return { mode: 'records', maxUnitBytes, resync: signature('{"eventVersion"') };
    case 'cloudtrail-records':
      return { mode: 'values', maxUnitBytes, resync: signature('{"eventVersion"') };
    case 'cwl-subscription':
      return { mode: 'values', maxUnitBytes, resync: signature('{"messageType"') };
    case 'eventbridge':
    case 'dns-jsonl':
      return { mode: 'values', maxUnitBytes, resync: signature('\n{', 1) };
  }
}

export class JsonStreamReader implements UnitSink {
  private readonly scanner: JsonUnitScanner;
  private readonly source: LogSource | undefined;

  constructor(
    private readonly collector: ResultCollector,
    private readonly input: string,
    private readonly format: JsonInputFormat,
    maxRecordBytes: number,
    /** Layout for flow lines inside subscription messages. */
    private readonly flowLayout: FlowLayout | FlowFormatError,
  ) {
    this.scanner = new JsonUnitScanner(this, scannerOptions(format, maxRecordBytes));
    this.source = FORMAT_SOURCES[format];
  }

  push(chunk: Buffer): void {
    this.scanner.push(chunk);
  }

  end(): void {
    this.scanner.end();
  }

  unit(text: string, at: UnitLocation): void {
    const origin: EventOrigin = { input: this.input, index: at.index, line: at.line, offset: at.offset };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.collector.record(issueResult('malformed-json', `record is not valid JSON: ${(error as Error).message}`, origin, this.source, excerptOfText(text)));
      return;
    }
    if (this.format === 'cwl-subscription') {
      const collector = this.collector;
      readCloudWatchLogsMessage(value, origin, this.flowLayout, {
        result: (result) => collector.record(result),
        skip: () => collector.record(undefined),
      });
      return;
    }
    this.collector.record(RECORD_PARSERS[this.format](value, origin));
  }

  malformed(at: UnitLocation, message: string, excerptBytes: Uint8Array): void {
    const origin: EventOrigin = { input: this.input, index: at.index, line: at.line, offset: at.offset };
    this.collector.record(issueResult('malformed-json', message, origin, this.source, excerptOfBytes(excerptBytes)));
  }

  oversized(at: UnitLocation, maxBytes: number): void {
    const origin: EventOrigin = { input: this.input, index: at.index, line: at.line, offset: at.offset };
    this.collector.record(issueResult('oversized-record', `record is larger than ${maxBytes} bytes; skipped`, origin, this.source));
  }

  truncated(at: { readonly line: number; readonly offset: number }): void {
    const origin: EventOrigin = { input: this.input, line: at.line, offset: at.offset };
    this.collector.inputIssue(issueResult('malformed-json', 'input ends before its JSON closes (truncated file?)', origin, this.source));
  }
}
