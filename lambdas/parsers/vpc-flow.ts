/**
 * VPC flow log lines to {@link FlowEvent}s.
 *
 * A flow log's columns are whatever its format says (the S3 header line or the format string the flow log
 * was created with), so a format is compiled once into a {@link FlowLayout}: an array of small integer
 * slots, one per column. Parsing a line then walks its characters once, cutting tokens at spaces and
 * switching on the slot, with no regex, no split array and a hand-written integer reader. This is the
 * hottest loop in Vigil (tens of millions of lines per busy hour), hence the low-level style.
 */
import type { EventOrigin, FlowEvent } from '../engine/events';
import type { ParseResult } from '../engine/issues';
import { FlowFormatError } from './errors';
import { excerptOfText } from './excerpt';
import { issueResult } from './results';

// Column slots. A slot says where a column's value goes; everything not mapped to a FlowEvent field goes to
// `extra` under the column name. Plain numbers rather than an enum keep the switch below a jump table.
const S_EXTRA = 0;
const S_VERSION = 1;
const S_ACCOUNT = 2;
const S_INTERFACE = 3;
const S_SRCADDR = 4;
const S_DSTADDR = 5;
const S_SRCPORT = 6;
const S_DSTPORT = 7;
const S_PROTOCOL = 8;
const S_PACKETS = 9;
const S_BYTES = 10;
const S_START = 11;
const S_END = 12;
const S_ACTION = 13;
const S_LOG_STATUS = 14;
const S_VPC = 15;
const S_SUBNET = 16;
const S_INSTANCE = 17;
const S_TCP_FLAGS = 18;
const S_PKT_SRCADDR = 19;
const S_PKT_DSTADDR = 20;
const S_REGION = 21;
const S_FLOW_DIRECTION = 22;

interface FlowField {
  /** Flow log version that introduced the field. */
  readonly version: number;
  readonly slot: number;
}

/**
 * Every VPC flow log field Vigil knows, with the version that introduced it. Fields without a FlowEvent
 * property of their own (type, az-id, traffic-path, the v7 ecs-* fields, v8 reject-reason, …) are kept as
 * strings in `extra`.
 */
export const FLOW_FIELDS: ReadonlyMap<string, FlowField> = new Map<string, FlowField>([
  ['version', { version: 2, slot: S_VERSION }],
  ['account-id', { version: 2, slot: S_ACCOUNT }],
  ['interface-id', { version: 2, slot: S_INTERFACE }],
  ['srcaddr', { version: 2, slot: S_SRCADDR }],
  ['dstaddr', { version: 2, slot: S_DSTADDR }],
  ['srcport', { version: 2, slot: S_SRCPORT }],
  ['dstport', { version: 2, slot: S_DSTPORT }],
  ['protocol', { version: 2, slot: S_PROTOCOL }],
  ['packets', { version: 2, slot: S_PACKETS }],
  ['bytes', { version: 2, slot: S_BYTES }],
  ['start', { version: 2, slot: S_START }],
  ['end', { version: 2, slot: S_END }],
  ['action', { version: 2, slot: S_ACTION }],
  ['log-status', { version: 2, slot: S_LOG_STATUS }],
  ['vpc-id', { version: 3, slot: S_VPC }],
  ['subnet-id', { version: 3, slot: S_SUBNET }],
  ['instance-id', { version: 3, slot: S_INSTANCE }],
  ['tcp-flags', { version: 3, slot: S_TCP_FLAGS }],
  ['type', { version: 3, slot: S_EXTRA }],
  ['pkt-srcaddr', { version: 3, slot: S_PKT_SRCADDR }],
  ['pkt-dstaddr', { version: 3, slot: S_PKT_DSTADDR }],
  ['region', { version: 4, slot: S_REGION }],
  ['az-id', { version: 4, slot: S_EXTRA }],
  ['sublocation-type', { version: 4, slot: S_EXTRA }],
  ['sublocation-id', { version: 4, slot: S_EXTRA }],
  ['pkt-src-aws-service', { version: 5, slot: S_EXTRA }],
  ['pkt-dst-aws-service', { version: 5, slot: S_EXTRA }],
  ['flow-direction', { version: 5, slot: S_FLOW_DIRECTION }],
  ['traffic-path', { version: 5, slot: S_EXTRA }],
  ['ecs-cluster-arn', { version: 7, slot: S_EXTRA }],
  ['ecs-cluster-name', { version: 7, slot: S_EXTRA }],
  ['ecs-container-instance-arn', { version: 7, slot: S_EXTRA }],
  ['ecs-container-instance-id', { version: 7, slot: S_EXTRA }],
  ['ecs-container-id', { version: 7, slot: S_EXTRA }],
  ['ecs-second-container-id', { version: 7, slot: S_EXTRA }],
  ['ecs-service-name', { version: 7, slot: S_EXTRA }],
  ['ecs-task-definition-arn', { version: 7, slot: S_EXTRA }],
  ['ecs-task-arn', { version: 7, slot: S_EXTRA }],
  ['ecs-task-id', { version: 7, slot: S_EXTRA }],
  ['reject-reason', { version: 8, slot: S_EXTRA }],
]);

/** The version 2 default format, which AWS writes when no custom format was given. */
export const DEFAULT_FLOW_FORMAT =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** Columns a format must have for its records to become {@link FlowEvent}s (their fields are required). */
export const REQUIRED_FLOW_COLUMNS: readonly string[] = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action'];

/** A column name as AWS spells them: lower case, digits and hyphens. */
function isColumnName(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  const first = name.charCodeAt(0);
  if (first < 0x61 || first > 0x7a) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return false;
  }
  return true;
}

/**
 * Upper bound on digits in a count: Number.MAX_SAFE_INTEGER has 16. Larger 16-digit values are caught by
 * the range check; intermediate values never exceed the final one, so accumulation up to there is exact.
 */
const MAX_DIGITS = 16;
/** Sentinels of {@link readCount}: the column held `-`, or something that is not a count. */
const DASH = -1;
const NOT_A_NUMBER = -2;
/** Unix seconds beyond which `* 1000` would leave the range of exact integers (and of Date). */
const MAX_EPOCH_SECONDS = 8_640_000_000_000;

/**
 * Reads an unsigned decimal integer from `line[start, end)`, or {@link DASH} / {@link NOT_A_NUMBER}.
 * Hand-written because Number(line.slice(…)) would allocate a string per field.
 */
function readCount(line: string, start: number, end: number): number {
  const len = end - start;
  if (len === 1 && line.charCodeAt(start) === 0x2d) return DASH;
  if (len === 0 || len > MAX_DIGITS) return NOT_A_NUMBER;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = line.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return NOT_A_NUMBER;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A compiled flow log format: the columns in order and how each one maps to a {@link FlowEvent}.
 * Build with {@link compileFlowFormat}; reuse for every line of the input.
 */
export class FlowLayout {
  /** Slot of each column, in column order. */
  private readonly slots: Uint8Array;
  /** Whether the layout names a `log-status` column (without it, an all-`-` record counts as NODATA). */
  private readonly hasLogStatus: boolean;
  /**
   * The last string produced for each column. Ids (account, ENI, VPC, subnet, instance, region) repeat from
   * line to line; handing back the previous string when the characters match saves an allocation per field
   * and keeps events from pinning the large decoded text they were sliced from.
   */
  private readonly lastValues: string[];

  constructor(
    /** Column names in order, as given. */
    readonly columns: readonly string[],
    /** Columns Vigil does not know; their values are kept in `extra`. */
    readonly unknownColumns: readonly string[],
    /** The version a record of this format carries: the highest version among its known columns. */
    readonly version: number,
  ) {
    this.slots = Uint8Array.from(columns, (name) => FLOW_FIELDS.get(name)?.slot ?? S_EXTRA);
    this.hasLogStatus = columns.includes('log-status');
    this.lastValues = columns.map(() => '');
  }

  /** `line.slice(start, end)`, or the identical string this column produced last time. */
  private reuse(col: number, line: string, start: number, end: number): string {
    const last = this.lastValues[col]!;
    if (equalsAt(line, start, end, last)) return last;
    const value = line.slice(start, end);
    this.lastValues[col] = value;
    return value;
  }

  /** The format as a space-separated string of column names. */
  get format(): string {
    return this.columns.join(' ');
  }

  /**
   * Parses one line (no trailing newline) against this layout.
   *
   * Returns `undefined` for a NODATA record (nothing happened: the caller counts it as skipped), a
   * `skipdata` issue for SKIPDATA (flows were lost), a `column-mismatch` issue when the number of columns
   * differs from the layout, an `invalid-record` issue for a bad value, and an event otherwise.
   */
  parseLine(line: string, origin: EventOrigin): ParseResult<FlowEvent> | undefined {
    return this.parseRange(line, 0, line.length, origin);
  }

  /**
   * {@link parseLine} for the line `text.slice(start, end)`, without slicing it: the stream parser decodes
   * many lines into one string and hands them over as ranges.
   */
  parseRange(line: string, start: number, end: number, origin: EventOrigin): ParseResult<FlowEvent> | undefined {
    const slots = this.slots;
    const columnCount = slots.length;
    // Tolerate CRLF files and trailing blanks: they are no extra column.
    while (end > start && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x0d || line.charCodeAt(end - 1) === 0x09)) end--;

    let version = this.version;
    let accountId: string | undefined;
    let interfaceId: string | undefined;
    let instanceId: string | undefined;
    let vpcId: string | undefined;
    let subnetId: string | undefined;
    let region: string | undefined;
    let srcAddr: string | undefined;
    let dstAddr: string | undefined;
    let pktSrcAddr: string | undefined;
    let pktDstAddr: string | undefined;
    let srcPort = DASH;
    let dstPort = DASH;
    let protocol = DASH;
    let packets = DASH;
    let bytes = DASH;
    let startTime = DASH;
    let endTime = DASH;
    let tcpFlags = DASH;
    let action: 'ACCEPT' | 'REJECT' | undefined;
    let actionIsDash = false;
    let flowDirection: 'ingress' | 'egress' | undefined;
    let status = STATUS_OK;
    let extra: Record<string, string> | undefined;
    let badColumn = -1;

    let pos = start;
    for (let col = 0; col < columnCount; col++) {
      while (pos < end && line.charCodeAt(pos) === 0x20) pos++;
      if (pos >= end) return this.columnMismatch(line.slice(start, end), origin);
      let stopAt = pos;
      while (stopAt < end && line.charCodeAt(stopAt) !== 0x20) stopAt++;
      const isDash = stopAt - pos === 1 && line.charCodeAt(pos) === 0x2d;

      switch (slots[col]) {
        case S_VERSION: {
          const v = readCount(line, pos, stopAt);
          if (v < 0 || v > 255) badColumn = badColumn < 0 ? col : badColumn;
          else version = v;
          break;
        }
        case S_SRCPORT:
          srcPort = readCount(line, pos, stopAt);
          break;
        case S_DSTPORT:
          dstPort = readCount(line, pos, stopAt);
          break;
        case S_PROTOCOL:
          protocol = readCount(line, pos, stopAt);
          break;
        case S_PACKETS:
          packets = readCount(line, pos, stopAt);
          break;
        case S_BYTES:
          bytes = readCount(line, pos, stopAt);
          break;
        case S_START:
          startTime = readCount(line, pos, stopAt);
          break;
        case S_END:
          endTime = readCount(line, pos, stopAt);
          break;
        case S_TCP_FLAGS:
          tcpFlags = readCount(line, pos, stopAt);
          break;
        case S_SRCADDR:
          if (!isDash) srcAddr = line.slice(pos, stopAt);
          break;
        case S_DSTADDR:
          if (!isDash) dstAddr = line.slice(pos, stopAt);
          break;
        case S_ACCOUNT:
          if (!isDash) accountId = this.reuse(col, line, pos, stopAt);
          break;
        case S_INTERFACE:
          if (!isDash) interfaceId = this.reuse(col, line, pos, stopAt);
          break;
        case S_INSTANCE:
          if (!isDash) instanceId = this.reuse(col, line, pos, stopAt);
          break;
        case S_VPC:
          if (!isDash) vpcId = this.reuse(col, line, pos, stopAt);
          break;
        case S_SUBNET:
          if (!isDash) subnetId = this.reuse(col, line, pos, stopAt);
          break;
        case S_REGION:
          if (!isDash) region = this.reuse(col, line, pos, stopAt);
          break;
        case S_PKT_SRCADDR:
          if (!isDash) pktSrcAddr = line.slice(pos, stopAt);
          break;
        case S_PKT_DSTADDR:
          if (!isDash) pktDstAddr = line.slice(pos, stopAt);
          break;
        case S_ACTION:
          action = readAction(line, pos, stopAt);
          actionIsDash = isDash;
          if (action === undefined && !isDash) badColumn = badColumn < 0 ? col : badColumn;
          break;
        case S_LOG_STATUS:
          status = readStatus(line, pos, stopAt);
          break;
        case S_FLOW_DIRECTION:
          flowDirection = readDirection(line, pos, stopAt);
          if (flowDirection === undefined && !isDash) (extra ??= {})[this.columns[col]!] = line.slice(pos, stopAt);
          break;
        default:
          if (!isDash) (extra ??= {})[this.columns[col]!] = line.slice(pos, stopAt);
      }
      pos = stopAt;
    }
    while (pos < end && line.charCodeAt(pos) === 0x20) pos++;
    if (pos < end) return this.columnMismatch(line.slice(start, end), origin);

    if (status === STATUS_NODATA) return undefined;
    if (status === STATUS_SKIPDATA) {
      const excerpt = excerptOfText(line.slice(start, end));
      return issueResult('skipdata', 'SKIPDATA record: the flow log reports that flows in this window were not captured', origin, 'vpcflow', excerpt);
    }
    if (status === STATUS_UNKNOWN) return this.invalid(line.slice(start, end), origin, 'log-status is not OK, NODATA or SKIPDATA');
    // Without a log-status column, a record whose action is `-` is the NODATA shape.
    if (!this.hasLogStatus && actionIsDash) return undefined;
    if (badColumn >= 0) return this.invalid(line.slice(start, end), origin, `${this.columns[badColumn]} has an unexpected value`);
    if (srcAddr === undefined || dstAddr === undefined) return this.invalid(line.slice(start, end), origin, 'srcaddr and dstaddr are required');
    if (action === undefined) return this.invalid(line.slice(start, end), origin, 'action must be ACCEPT or REJECT');

    const numericProblem =
      checkCount('srcport', srcPort, 65535) ??
      checkCount('dstport', dstPort, 65535) ??
      checkCount('protocol', protocol, 255) ??
      checkCount('packets', packets, Number.MAX_SAFE_INTEGER) ??
      checkCount('bytes', bytes, Number.MAX_SAFE_INTEGER) ??
      checkCount('start', startTime, MAX_EPOCH_SECONDS) ??
      checkCount('end', endTime, MAX_EPOCH_SECONDS) ??
      (tcpFlags === DASH ? undefined : checkCount('tcp-flags', tcpFlags, 255));
    if (numericProblem !== undefined) return this.invalid(line.slice(start, end), origin, numericProblem);

    const event: FlowEvent = {
      source: 'vpcflow',
      time: startTime * 1000,
      endTime: endTime * 1000,
      version,
      accountId,
      interfaceId,
      instanceId,
      vpcId,
      subnetId,
      region,
      srcAddr,
      dstAddr,
      srcPort,
      dstPort,
      protocol,
      packets,
      bytes,
      action,
      tcpFlags: tcpFlags === DASH ? undefined : tcpFlags,
      flowDirection,
      pktSrcAddr,
      pktDstAddr,
      extra,
      origin,
    };
    return { ok: true, event };
  }

  private columnMismatch(line: string, origin: EventOrigin): ParseResult<FlowEvent> {
    const found = countTokens(line);
    return issueResult(
      'column-mismatch',
      `expected ${this.slots.length} columns, found ${found}`,
      origin,
      'vpcflow',
      excerptOfText(line),
    );
  }

  private invalid(line: string, origin: EventOrigin, message: string): ParseResult<FlowEvent> {
    return issueResult('invalid-record', message, origin, 'vpcflow', excerptOfText(line));
  }
}

/** Why a count column is unusable, or undefined when it holds a number within `max`. */
function checkCount(name: string, value: number, max: number): string | undefined {
  if (value === DASH) return `${name} is missing ('-') in an OK record`;
  if (value === NOT_A_NUMBER) return `${name} is not a number`;
  if (value > max) return `${name} is out of range`;
  return undefined;
}

const STATUS_OK = 0;
const STATUS_NODATA = 1;
const STATUS_SKIPDATA = 2;
const STATUS_UNKNOWN = 3;

function equalsAt(line: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (line.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  return true;
}

function readAction(line: string, start: number, end: number): 'ACCEPT' | 'REJECT' | undefined {
  if (equalsAt(line, start, end, 'ACCEPT')) return 'ACCEPT';
  if (equalsAt(line, start, end, 'REJECT')) return 'REJECT';
  return undefined;
}

function readStatus(line: string, start: number, end: number): number {
  if (equalsAt(line, start, end, 'OK')) return STATUS_OK;
  if (equalsAt(line, start, end, 'NODATA')) return STATUS_NODATA;
  if (equalsAt(line, start, end, 'SKIPDATA')) return STATUS_SKIPDATA;
  return STATUS_UNKNOWN;
}

function readDirection(line: string, start: number, end: number): 'ingress' | 'egress' | undefined {
  if (equalsAt(line, start, end, 'ingress')) return 'ingress';
  if (equalsAt(line, start, end, 'egress')) return 'egress';
  return undefined;
}

function countTokens(line: string): number {
  let count = 0;
  let inToken = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    const blank = c === 0x20 || c === 0x0d || c === 0x09;
    if (!blank && !inToken) count++;
    inToken = !blank;
  }
  return count;
}

/**
 * Compiles a flow log format into a {@link FlowLayout}. Accepts the AWS format string
 * (`${version} ${srcaddr} …`) or a header line / bare names (`version srcaddr …`).
 *
 * Returns (does not throw) a {@link FlowFormatError} when the format is empty, names a column twice, holds
 * something that is not a column name, or lacks a column FlowEvent requires
 * ({@link REQUIRED_FLOW_COLUMNS}). Unknown but well-formed names are accepted and listed in
 * `unknownColumns`; their values land in `extra`.
 *
 * @example
 * const layout = compileFlowFormat('${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}');
 * if (layout instanceof FlowFormatError) throw layout;
 * layout.parseLine('2 10.0.0.1 10.0.0.2 443 5000 6 3 120 1735718400 1735718460 ACCEPT OK', { input: 'x', line: 1 });
 */
export function compileFlowFormat(format: string): FlowLayout | FlowFormatError {
  const columns: string[] = [];
  for (const raw of format.trim().split(/\s+/)) {
    if (raw.length === 0) continue;
    const name = raw.startsWith('${') && raw.endsWith('}') ? raw.slice(2, -1) : raw;
    if (!isColumnName(name)) {
      return new FlowFormatError(`flow log format holds ${JSON.stringify(raw.slice(0, 40))}, which is not a column name`, format);
    }
    if (columns.includes(name)) return new FlowFormatError(`flow log format names column ${name} twice`, format);
    columns.push(name);
  }
  if (columns.length === 0) return new FlowFormatError('flow log format is empty', format);
  const missing = REQUIRED_FLOW_COLUMNS.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    return new FlowFormatError(`flow log format lacks required column(s): ${missing.join(', ')}`, format, missing);
  }
  let version = 2;
  const unknown: string[] = [];
  for (const name of columns) {
    const field = FLOW_FIELDS.get(name);
    if (field === undefined) unknown.push(name);
    else if (field.version > version) version = field.version;
  }
  return new FlowLayout(columns, unknown, version);
}

/** The layout of {@link DEFAULT_FLOW_FORMAT}. */
export const DEFAULT_FLOW_LAYOUT: FlowLayout = compileFlowFormat(DEFAULT_FLOW_FORMAT) as FlowLayout;

/** One-entry memo: a Lambda parses thousands of payloads with the same configured format. */
let lastFormat: string | undefined;
let lastLayout: FlowLayout | FlowFormatError = DEFAULT_FLOW_LAYOUT;

/**
 * The layout for headerless flow records: the given format compiled (memoised for repeated calls with the
 * same string), or the v2 default when none is given.
 */
export function flowLayoutFor(format: string | undefined): FlowLayout | FlowFormatError {
  if (format === undefined) return DEFAULT_FLOW_LAYOUT;
  if (format !== lastFormat) {
    lastLayout = compileFlowFormat(format);
    lastFormat = format;
  }
  return lastLayout;
}

/**
 * True when `line` is a flow log header: its first token is a known column name and every token is a
 * column name. Data lines fail fast on the first character (a digit, an address, `eni-…`, `unknown`).
 */
export function isFlowHeaderLine(line: string): boolean {
  const first = line.charCodeAt(0);
  if (first < 0x61 || first > 0x7a) return false;
  const space = line.indexOf(' ');
  if (!FLOW_FIELDS.has(space === -1 ? line.trimEnd() : line.slice(0, space))) return false;
  for (const token of line.trim().split(/\s+/)) if (!isColumnName(token)) return false;
  return true;
}

/**
 * Parses one flow log line against a layout (the v2 default unless given). See {@link FlowLayout.parseLine}.
 *
 * @example
 * parseFlowLine('2 111122223333 eni-0a1b 198.51.100.23 10.0.1.15 51544 22 6 10 840 1735718400 1735718460 REJECT OK', { input: 'flow.log', line: 2 })
 */
export function parseFlowLine(line: string, origin: EventOrigin, layout: FlowLayout = DEFAULT_FLOW_LAYOUT): ParseResult<FlowEvent> | undefined {
  return layout.parseLine(line, origin);
}
