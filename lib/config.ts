/**
 * Vigil's deployment configuration: every `vigil:*` key of the cdk.json context, read once, checked, and
 * turned into one typed object. A bad value stops synth with a {@link ConfigError} that names the key and
 * the values it accepts, before any construct exists.
 *
 * Values may come from cdk.json (any JSON) or from the command line (`-c key=value`, always a string);
 * strings are parsed as JSON where the key expects an object, array, number or boolean.
 *
 * @example cdk.json
 * {
 *   "context": {
 *     "vigil:cloudTrailS3": { "bucketName": "org-trail-logs", "kmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/…" },
 *     "vigil:vpcFlowS3": {},
 *     "vigil:resolverS3": false,
 *     "vigil:organizationId": "o-a1b2c3d4e5",
 *     "vigil:publishFrequency": "FIFTEEN_MINUTES",
 *     "vigil:findingsEmail": "soc@example.com"
 *   }
 * }
 */
import type { IConstruct } from 'constructs';
import { PUBLISH_FREQUENCIES, type PublishFrequency } from '../lambdas/shared/constants';

/** Every context key Vigil reads. Any other `vigil:` key is rejected, so a typo cannot be silently ignored. */
export const CONFIG_KEYS = {
  STACK_NAME: 'vigil:stackName',
  CLOUDTRAIL_S3: 'vigil:cloudTrailS3',
  VPC_FLOW_S3: 'vigil:vpcFlowS3',
  RESOLVER_S3: 'vigil:resolverS3',
  LOG_STREAM: 'vigil:logStream',
  CLOUDTRAIL_EVENTS: 'vigil:cloudTrailEvents',
  ORGANIZATION_ID: 'vigil:organizationId',
  MEMBER_ACCOUNT_IDS: 'vigil:memberAccountIds',
  PUBLISH_FREQUENCY: 'vigil:publishFrequency',
  ALERT_MIN_SEVERITY: 'vigil:alertMinSeverity',
  FINDINGS_EMAIL: 'vigil:findingsEmail',
  ALARM_EMAIL: 'vigil:alarmEmail',
  INTEL: 'vigil:intel',
  SUPPRESSION_RULES: 'vigil:suppressionRules',
  FLOW_LOG_FORMAT: 'vigil:flowLogFormat',
  GEO: 'vigil:geo',
  LOG_EXPIRATION_DAYS: 'vigil:logExpirationDays',
  ARCHIVE_RETENTION_DAYS: 'vigil:archiveRetentionDays',
  REMEDIATION: 'vigil:remediation',
} as const;

/** The flow log format AWS uses when none is given (version 2 fields, in order). */
export const DEFAULT_FLOW_LOG_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

/**
 * Lambda allows 4 KB of environment variables per function. The table, bus and bucket names take well under
 * 1 KB, so the JSON-valued settings that travel in the environment share the rest.
 */
export const ENVIRONMENT_JSON_BUDGET_BYTES = 3072;

/**
 * Where one kind of log arrives in S3.
 *
 * With no `bucketName`, the logs go to the bucket Vigil creates (one bucket shared by every source that
 * names none), and its bucket policy lets the delivering service write there from this account, the member
 * accounts and the organization.
 */
export interface S3SourceConfig {
  /** An existing bucket the logs are delivered to. Absent: Vigil's own log bucket. */
  readonly bucketName?: string;
  /**
   * The key prefix set on the trail, flow log or query-logging configuration (before `AWSLogs/`), without
   * leading or trailing slash. Absent: the service's default layout, `AWSLogs/…` at the bucket root.
   */
  readonly keyPrefix?: string;
  /** The KMS key that encrypts objects in an existing bucket (SSE-KMS), so the analyzers may decrypt them. */
  readonly kmsKeyArn?: string;
  /**
   * The account that owns an existing bucket, when it is not the account Vigil runs in. Vigil cannot add an
   * event notification to another account's bucket: it lets that bucket notify its queue instead, and the
   * bucket owner points the notification there (and grants Vigil's ingest role `s3:GetObject`).
   */
  readonly bucketAccountId?: string;
}

/** A CloudWatch Logs group (in this account) subscribed to Vigil's log stream. */
export interface SubscribedLogGroup {
  readonly logGroupName: string;
  /** CloudWatch Logs filter pattern; the empty pattern forwards every event. */
  readonly filterPattern: string;
}

/** The Kinesis path: CloudWatch Logs subscriptions → Kinesis → ingest-stream Lambda. */
export interface LogStreamConfig {
  readonly shardCount: number;
  readonly retentionHours: number;
  readonly logGroups: readonly SubscribedLogGroup[];
}

/** One threat or trusted list in the intel bucket (the shape the handlers read from {@link ENV}.INTEL_LISTS). */
export interface IntelListConfig {
  readonly key: string;
  readonly name: string;
  readonly category: string;
  readonly kind: 'threat' | 'trusted';
  /** The list's format; the handlers detect it from the content when absent. */
  readonly format?: IntelListFormat;
}

/** The list formats the intel loader reads (mirrors LIST_FORMATS in lambdas/intel/lists.ts, which lib/ may not import). */
export const INTEL_LIST_FORMATS = ['txt', 'tor-exit', 'stix', 'otx-csv'] as const;
export type IntelListFormat = (typeof INTEL_LIST_FORMATS)[number];

/** Where threat and trusted lists live and which ones the analyzers load. */
export interface IntelConfig {
  /** An existing bucket holding the lists. Absent: Vigil creates one. */
  readonly bucketName?: string;
  /** The KMS key that encrypts objects in an existing intel bucket. */
  readonly kmsKeyArn?: string;
  readonly lists: readonly IntelListConfig[];
}

/** Accounts other than this one whose services deliver logs to Vigil. */
export interface OrganizationConfig {
  /** The AWS Organizations id whose accounts may deliver logs (`aws:SourceOrgID`). */
  readonly organizationId?: string;
  /** Individual accounts that may deliver logs (`aws:SourceAccount`), in or outside the organization. */
  readonly memberAccountIds: readonly string[];
}

/** The whole deployment configuration, defaults filled in. */
export interface VigilConfig {
  readonly stackName: string;
  readonly sources: {
    readonly cloudTrail?: S3SourceConfig;
    readonly vpcFlow?: S3SourceConfig;
    readonly resolver?: S3SourceConfig;
    readonly logStream?: LogStreamConfig;
    /** Near-real-time CloudTrail management events from the default event bus. */
    readonly cloudTrailEvents: boolean;
  };
  readonly organization: OrganizationConfig;
  readonly publishFrequency: PublishFrequency;
  /** Findings at or above this severity are forwarded to the findings topic. */
  readonly alertMinSeverity: number;
  readonly findingsEmail?: string;
  readonly alarmEmail?: string;
  readonly intel: IntelConfig;
  /** Suppression rules in GuardDuty filter form; the handlers validate the criteria. */
  readonly suppressionRules: readonly Readonly<Record<string, unknown>>[];
  readonly flowLogFormat: string;
  /** Ship offline country/ASN data with the ingest functions and geolocate remote addresses. */
  readonly geo: boolean;
  /** Days before objects in Vigil's own log bucket expire. */
  readonly logExpirationDays: number;
  /** Days the findings archive keeps events; 0 keeps them forever. */
  readonly archiveRetentionDays: number;
  /**
   * The response configuration (lambdas/response/config.ts: finding types, severities, TTLs, allow-lists, WAF
   * and NACL targets), passed as JSON to the remediation functions, which validate it in full at start-up.
   * Absent: no automated response.
   */
  readonly remediation?: Readonly<Record<string, unknown>>;
}

/** A context value Vigil cannot use. The message names the key, what it accepts and what it got. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly allowed: string,
    readonly received: unknown,
    options?: { cause?: unknown },
  ) {
    super(`Invalid cdk.json context "${key}": expected ${allowed}; got ${describe(received)}.`, options);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the `vigil:*` context of a construct tree (usually the App). */
export function readConfig(scope: IConstruct): VigilConfig {
  return parseConfig(scope.node.getAllContext());
}

/**
 * Validates raw context values and fills in defaults.
 * @throws ConfigError on the first key whose value is unusable.
 */
export function parseConfig(context: Readonly<Record<string, unknown>>): VigilConfig {
  rejectUnknownKeys(context);
  const value = (key: string): unknown => context[key];

  const organization: OrganizationConfig = {
    organizationId: optionalString(CONFIG_KEYS.ORGANIZATION_ID, value(CONFIG_KEYS.ORGANIZATION_ID), ORGANIZATION_ID, 'an organization id like "o-a1b2c3d4e5"'),
    memberAccountIds: accountIds(CONFIG_KEYS.MEMBER_ACCOUNT_IDS, value(CONFIG_KEYS.MEMBER_ACCOUNT_IDS)),
  };
  const config: VigilConfig = {
    stackName: optionalString(CONFIG_KEYS.STACK_NAME, value(CONFIG_KEYS.STACK_NAME), STACK_NAME, 'a stack name of letters, digits and hyphens starting with a letter (at most 128)') ?? 'Vigil',
    sources: {
      cloudTrail: s3Source(CONFIG_KEYS.CLOUDTRAIL_S3, value(CONFIG_KEYS.CLOUDTRAIL_S3)),
      vpcFlow: s3Source(CONFIG_KEYS.VPC_FLOW_S3, value(CONFIG_KEYS.VPC_FLOW_S3)),
      resolver: s3Source(CONFIG_KEYS.RESOLVER_S3, value(CONFIG_KEYS.RESOLVER_S3)),
      logStream: logStream(CONFIG_KEYS.LOG_STREAM, value(CONFIG_KEYS.LOG_STREAM)),
      cloudTrailEvents: bool(CONFIG_KEYS.CLOUDTRAIL_EVENTS, value(CONFIG_KEYS.CLOUDTRAIL_EVENTS), false),
    },
    organization,
    publishFrequency: oneOf(CONFIG_KEYS.PUBLISH_FREQUENCY, value(CONFIG_KEYS.PUBLISH_FREQUENCY), PUBLISH_FREQUENCIES, 'SIX_HOURS'),
    alertMinSeverity: number(CONFIG_KEYS.ALERT_MIN_SEVERITY, value(CONFIG_KEYS.ALERT_MIN_SEVERITY), { min: 1, max: 10, integer: false }, 7),
    findingsEmail: optionalString(CONFIG_KEYS.FINDINGS_EMAIL, value(CONFIG_KEYS.FINDINGS_EMAIL), EMAIL, 'an email address'),
    alarmEmail: optionalString(CONFIG_KEYS.ALARM_EMAIL, value(CONFIG_KEYS.ALARM_EMAIL), EMAIL, 'an email address'),
    intel: intel(CONFIG_KEYS.INTEL, value(CONFIG_KEYS.INTEL)),
    suppressionRules: suppressionRules(CONFIG_KEYS.SUPPRESSION_RULES, value(CONFIG_KEYS.SUPPRESSION_RULES)),
    flowLogFormat: optionalString(CONFIG_KEYS.FLOW_LOG_FORMAT, value(CONFIG_KEYS.FLOW_LOG_FORMAT), FLOW_LOG_FORMAT, 'space-separated ${field} tokens, e.g. "${version} ${srcaddr} ${dstaddr}"') ?? DEFAULT_FLOW_LOG_FORMAT,
    geo: bool(CONFIG_KEYS.GEO, value(CONFIG_KEYS.GEO), true),
    logExpirationDays: number(CONFIG_KEYS.LOG_EXPIRATION_DAYS, value(CONFIG_KEYS.LOG_EXPIRATION_DAYS), { min: 1, max: 3650, integer: true }, 365),
    archiveRetentionDays: number(CONFIG_KEYS.ARCHIVE_RETENTION_DAYS, value(CONFIG_KEYS.ARCHIVE_RETENTION_DAYS), { min: 0, max: 3650, integer: true }, 365),
    remediation: remediation(CONFIG_KEYS.REMEDIATION, value(CONFIG_KEYS.REMEDIATION)),
  };
  checkEnvironmentBudget(config);
  return config;
}

// ─── keys ────────────────────────────────────────────────────────────────────────────────────────────────

const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.values(CONFIG_KEYS));

function rejectUnknownKeys(context: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(context)) {
    if (key.startsWith('vigil:') && !KNOWN_KEYS.has(key)) {
      throw new ConfigError(key, `one of the known keys (${[...KNOWN_KEYS].join(', ')})`, context[key]);
    }
  }
}

// ─── composite values ────────────────────────────────────────────────────────────────────────────────────

const S3_SOURCE_FIELDS = ['bucketName', 'keyPrefix', 'kmsKeyArn', 'bucketAccountId'] as const;

/** `false`/`null` disable the source; an object (possibly empty) enables it. Absent means enabled on Vigil's bucket. */
function s3Source(key: string, raw: unknown): S3SourceConfig | undefined {
  const allowed = `false, or an object with optional ${S3_SOURCE_FIELDS.join(', ')}`;
  const input = raw === undefined ? {} : parseJsonString(key, raw, allowed);
  if (input === false || input === null) return undefined;
  const record = asRecord(key, input, allowed);
  rejectUnknownFields(key, record, S3_SOURCE_FIELDS);
  const bucketName = optionalString(`${key}.bucketName`, record.bucketName, BUCKET_NAME, 'an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens)');
  const keyPrefix = optionalString(`${key}.keyPrefix`, record.keyPrefix, KEY_PREFIX, 'a key prefix without leading or trailing "/" and not "AWSLogs"');
  const kmsKeyArn = optionalString(`${key}.kmsKeyArn`, record.kmsKeyArn, KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');
  const bucketAccountId = optionalString(`${key}.bucketAccountId`, record.bucketAccountId, ACCOUNT_ID, 'a 12-digit account id');
  if (bucketName === undefined && (kmsKeyArn !== undefined || bucketAccountId !== undefined)) {
    throw new ConfigError(`${key}.bucketName`, 'a bucket name whenever kmsKeyArn or bucketAccountId is set (they describe an existing bucket)', undefined);
  }
  return { bucketName, keyPrefix, kmsKeyArn, bucketAccountId };
}

const LOG_STREAM_FIELDS = ['shardCount', 'retentionHours', 'logGroups'] as const;

function logStream(key: string, raw: unknown): LogStreamConfig | undefined {
  const allowed = `false, or an object with optional ${LOG_STREAM_FIELDS.join(', ')}`;
  if (raw === undefined) return undefined;
  const input = parseJsonString(key, raw, allowed);
  if (input === false || input === null) return undefined;
  const record = asRecord(key, input, allowed);
  rejectUnknownFields(key, record, LOG_STREAM_FIELDS);
  const groupsKey = `${key}.logGroups`;
  const groups = record.logGroups === undefined ? [] : asArray(groupsKey, record.logGroups, 'an array of { logGroupName, filterPattern? }');
  return {
    // Provisioned shards: one shard takes 1 MB/s, plenty for CloudWatch Logs subscriptions of a few accounts.
    shardCount: number(`${key}.shardCount`, record.shardCount, { min: 1, max: 500, integer: true }, 1),
    retentionHours: number(`${key}.retentionHours`, record.retentionHours, { min: 24, max: 8760, integer: true }, 24),
    logGroups: groups.map((group, index) => subscribedLogGroup(`${groupsKey}[${index}]`, group)),
  };
}

function subscribedLogGroup(key: string, raw: unknown): SubscribedLogGroup {
  const record = asRecord(key, raw, 'an object { logGroupName, filterPattern? }');
  rejectUnknownFields(key, record, ['logGroupName', 'filterPattern']);
  const logGroupName = optionalString(`${key}.logGroupName`, record.logGroupName, LOG_GROUP_NAME, 'a CloudWatch Logs group name (1–512 of A-Z a-z 0-9 . _ - / #)');
  if (logGroupName === undefined) throw new ConfigError(`${key}.logGroupName`, 'a CloudWatch Logs group name', undefined);
  const filterPattern = optionalString(`${key}.filterPattern`, record.filterPattern, FILTER_PATTERN, 'a filter pattern of at most 1024 characters') ?? '';
  return { logGroupName, filterPattern };
}

const INTEL_FIELDS = ['bucketName', 'kmsKeyArn', 'lists'] as const;

function intel(key: string, raw: unknown): IntelConfig {
  const allowed = `an object with optional ${INTEL_FIELDS.join(', ')}`;
  const record = raw === undefined ? {} : asRecord(key, parseJsonString(key, raw, allowed), allowed);
  rejectUnknownFields(key, record, INTEL_FIELDS);
  const bucketName = optionalString(`${key}.bucketName`, record.bucketName, BUCKET_NAME, 'an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens)');
  const kmsKeyArn = optionalString(`${key}.kmsKeyArn`, record.kmsKeyArn, KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');
  if (bucketName === undefined && kmsKeyArn !== undefined) {
    throw new ConfigError(`${key}.bucketName`, 'a bucket name whenever kmsKeyArn is set (Vigil encrypts its own intel bucket)', undefined);
  }
  const listsKey = `${key}.lists`;
  const lists = record.lists === undefined ? [] : asArray(listsKey, record.lists, 'an array of { key, name, category?, kind?, format? }');
  const parsed = lists.map((list, index) => intelList(`${listsKey}[${index}]`, list));
  const names = new Set<string>();
  for (const list of parsed) {
    if (names.has(list.name)) throw new ConfigError(listsKey, 'lists with distinct names', list.name);
    names.add(list.name);
  }
  return { bucketName, kmsKeyArn, lists: parsed };
}

function intelList(key: string, raw: unknown): IntelListConfig {
  const record = asRecord(key, raw, 'an object { key, name, category?, kind?, format? }');
  rejectUnknownFields(key, record, ['key', 'name', 'category', 'kind', 'format']);
  const objectKey = optionalString(`${key}.key`, record.key, OBJECT_KEY, 'an object key in the intel bucket (no leading "/", no "*")');
  const name = optionalString(`${key}.name`, record.name, LIST_NAME, 'a list name of 1–64 letters, digits, . _ -');
  if (objectKey === undefined) throw new ConfigError(`${key}.key`, 'an object key in the intel bucket', undefined);
  if (name === undefined) throw new ConfigError(`${key}.name`, 'a list name', undefined);
  return {
    key: objectKey,
    name,
    category: optionalString(`${key}.category`, record.category, LIST_NAME, 'a category of 1–64 letters, digits, . _ - (e.g. custom, c2, tor-exit)') ?? 'custom',
    kind: oneOf(`${key}.kind`, record.kind, ['threat', 'trusted'] as const, 'threat'),
    ...(record.format === undefined ? {} : { format: oneOf(`${key}.format`, record.format, INTEL_LIST_FORMATS, 'txt') }),
  };
}

function suppressionRules(key: string, raw: unknown): readonly Readonly<Record<string, unknown>>[] {
  if (raw === undefined) return [];
  const allowed = 'an array of GuardDuty filter objects, each with a "name" (3–64 of letters, digits, . _ -)';
  const rules = asArray(key, parseJsonString(key, raw, allowed), allowed);
  return rules.map((rule, index) => {
    const record = asRecord(`${key}[${index}]`, rule, allowed);
    const name = record.name ?? record.Name;
    if (typeof name !== 'string' || !RULE_NAME.test(name)) throw new ConfigError(`${key}[${index}].name`, 'a rule name of 3–64 letters, digits, . _ -', name);
    return record;
  });
}

/** `false` or absent: no automated response; an object: the response configuration, checked only for size here. */
function remediation(key: string, raw: unknown): Readonly<Record<string, unknown>> | undefined {
  if (raw === undefined) return undefined;
  const allowed = 'false, or a response configuration object (see lambdas/response/config.ts)';
  const input = parseJsonString(key, raw, allowed);
  if (input === false || input === null) return undefined;
  const record = asRecord(key, input, allowed);
  const bytes = Buffer.byteLength(JSON.stringify(record));
  if (bytes > ENVIRONMENT_JSON_BUDGET_BYTES) {
    throw new ConfigError(key, `at most ${ENVIRONMENT_JSON_BUDGET_BYTES} bytes of JSON (it is passed in a Lambda environment variable, limited to 4 KB)`, `${bytes} bytes`);
  }
  return record;
}

function accountIds(key: string, raw: unknown): readonly string[] {
  if (raw === undefined) return [];
  const allowed = 'an array of 12-digit account ids';
  const ids = asArray(key, parseJsonString(key, raw, allowed), allowed);
  return [...new Set(ids.map((id, index) => optionalString(`${key}[${index}]`, id, ACCOUNT_ID, 'a 12-digit account id')!))];
}

/** The JSON settings travel to every ingest function in environment variables, which Lambda caps at 4 KB. */
function checkEnvironmentBudget(config: VigilConfig): void {
  const bytes =
    Buffer.byteLength(JSON.stringify(config.suppressionRules)) +
    Buffer.byteLength(JSON.stringify(config.intel.lists)) +
    Buffer.byteLength(config.flowLogFormat);
  if (bytes > ENVIRONMENT_JSON_BUDGET_BYTES) {
    throw new ConfigError(
      `${CONFIG_KEYS.SUPPRESSION_RULES} + ${CONFIG_KEYS.INTEL}.lists + ${CONFIG_KEYS.FLOW_LOG_FORMAT}`,
      `at most ${ENVIRONMENT_JSON_BUDGET_BYTES} bytes together (they are passed in Lambda environment variables, limited to 4 KB)`,
      `${bytes} bytes`,
    );
  }
}

// ─── scalar values ───────────────────────────────────────────────────────────────────────────────────────

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Flow logs refuse a prefix of "AWSLogs" (the service adds that level itself); the other services accept it
// but it would double the level, which Vigil's key filters do not expect.
const KEY_PREFIX = /^(?!AWSLogs$)[A-Za-z0-9!_.*'()=-][A-Za-z0-9!_.*'()=/-]{0,199}(?<!\/)$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:mrk-)?[0-9a-f-]{32,36}$/;
const LOG_GROUP_NAME = /^[A-Za-z0-9._\-/#]{1,512}$/;
const FILTER_PATTERN = /^[\s\S]{0,1024}$/;
const OBJECT_KEY = /^[^/*][^*]{0,1023}$/;
const LIST_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const RULE_NAME = /^[A-Za-z0-9._-]{3,64}$/;
const FLOW_LOG_FORMAT = /^\$\{[a-z0-9-]+\}(?: \$\{[a-z0-9-]+\})*$/;

function optionalString(key: string, raw: unknown, pattern: RegExp, allowed: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || !pattern.test(raw)) throw new ConfigError(key, allowed, raw);
  return raw;
}

function bool(key: string, raw: unknown, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ConfigError(key, 'true or false', raw);
}

function number(key: string, raw: unknown, range: { min: number; max: number; integer: boolean }, fallback: number): number {
  if (raw === undefined) return fallback;
  const allowed = `${range.integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}`;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < range.min || n > range.max || (range.integer && !Number.isInteger(n))) {
    throw new ConfigError(key, allowed, raw);
  }
  return n;
}

function oneOf<T extends string>(key: string, raw: unknown, values: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) throw new ConfigError(key, `one of ${values.join(', ')}`, raw);
  return raw as T;
}

// ─── shape helpers ───────────────────────────────────────────────────────────────────────────────────────

/** Command-line context arrives as strings; anything that should be structured is parsed as JSON. */
function parseJsonString(key: string, raw: unknown, allowed: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new ConfigError(key, `${allowed} (as JSON)`, raw, { cause: error });
  }
}

function asRecord(key: string, raw: unknown, allowed: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(key, allowed, raw);
  return raw as Record<string, unknown>;
}

function asArray(key: string, raw: unknown, allowed: string): readonly unknown[] {
  if (!Array.isArray(raw)) throw new ConfigError(key, allowed, raw);
  return raw;
}

function rejectUnknownFields(key: string, record: Readonly<Record<string, unknown>>, fields: readonly string[]): void {
  for (const field of Object.keys(record)) {
    if (!fields.includes(field)) throw new ConfigError(`${key}.${field}`, `no such field; ${key} accepts ${fields.join(', ')}`, record[field]);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}
