/**
 * The Lambda functions' configuration: the environment the stack sets (names in lambdas/shared/constants),
 * read once at cold start, checked, and turned into typed objects. A missing or malformed value stops the
 * function at start-up with a {@link ConfigError} that names the variable, instead of surfacing later as
 * a wrong finding.
 *
 * @example
 * const config = readIngestConfig(process.env);
 * config.tables.findings // 'vigil-findings'
 */
import { resolve as resolvePath } from 'node:path';
import type { FindingScope } from '../engine/aggregation';
import { parseSuppressionRule, type SuppressionRule } from '../engine/suppression';
import type { IntelKind } from '../intel/types';
import { ENV, PUBLISH_FREQUENCIES, type PublishFrequency } from '../shared/constants';
import type { IntelListLocation } from '../adapters/intel-loader';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}: ${message}`, options);
    this.name = 'ConfigError';
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** What the publishing side needs: where findings are, where they go, and how often updates go there. */
export interface PublishConfig {
  readonly findingsTable: string;
  readonly findingsBus: string;
  readonly publishFrequency: PublishFrequency;
}

/** Everything an ingest function needs. */
export interface IngestConfig extends PublishConfig {
  readonly stateTable: string;
  /** Account, region and partition for findings whose logs do not name them. */
  readonly scope: FindingScope;
  readonly intel?: { readonly bucket: string; readonly lists: readonly IntelListLocation[] };
  readonly suppressionRules: readonly SuppressionRule[];
  /** Format of headerless flow records (Kinesis / CloudWatch Logs); absent: the version 2 default. */
  readonly flowLogFormat?: string;
  /** Absolute folder of the offline geolocation files; absent: remote addresses are not geolocated. */
  readonly geoDataDir?: string;
}

/** How long an update waits under each publishing frequency (GuardDuty's `findingPublishingFrequency`). */
export const PUBLISH_INTERVAL_MS: Record<PublishFrequency, number> = {
  IMMEDIATE: 0,
  FIFTEEN_MINUTES: 15 * 60_000,
  ONE_HOUR: 60 * 60_000,
  SIX_HOURS: 6 * 60 * 60_000,
};

/** Reads what publish-updates needs. @throws ConfigError naming the first missing or malformed variable. */
export function readPublishConfig(env: Environment): PublishConfig {
  return {
    findingsTable: required(env, ENV.FINDINGS_TABLE),
    findingsBus: required(env, ENV.FINDINGS_BUS),
    publishFrequency: publishFrequency(env),
  };
}

/**
 * Reads what the ingest functions need; the region falls back to Lambda's `AWS_REGION`.
 * @throws ConfigError naming the first missing or malformed variable.
 */
export function readIngestConfig(env: Environment): IngestConfig {
  const publish = readPublishConfig(env);
  const stateTable = required(env, ENV.STATE_TABLE);
  const region = optional(env, ENV.DEFAULT_REGION) ?? optional(env, 'AWS_REGION');
  if (!region) throw new ConfigError(ENV.DEFAULT_REGION, 'is not set, and neither is AWS_REGION');
  const accountId = required(env, ENV.DEFAULT_ACCOUNT);
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError(ENV.DEFAULT_ACCOUNT, `must be a 12-digit account id, got ${JSON.stringify(accountId)}`);
  const intelBucket = optional(env, ENV.INTEL_BUCKET);
  const lists = intelLists(env);
  if (lists.length > 0 && !intelBucket) throw new ConfigError(ENV.INTEL_BUCKET, `must be set when ${ENV.INTEL_LISTS} names lists`);
  const flowLogFormat = optional(env, ENV.FLOW_LOG_FORMAT);
  // The stack names the folder relative to the code root (LAMBDA_TASK_ROOT in Lambda).
  const geoFolder = optional(env, ENV.GEO_DATA_DIR);
  const geoDataDir = geoFolder === undefined ? undefined : resolvePath(optional(env, 'LAMBDA_TASK_ROOT') ?? process.cwd(), geoFolder);
  return {
    ...publish,
    stateTable,
    scope: { accountId, region, partition: partitionOf(region) },
    ...(intelBucket ? { intel: { bucket: intelBucket, lists } } : {}),
    suppressionRules: suppressionRules(env),
    ...(flowLogFormat ? { flowLogFormat } : {}),
    ...(geoDataDir ? { geoDataDir } : {}),
  };
}

/** The AWS partition a region belongs to. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

function optional(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Environment, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(name, 'is not set');
  return value;
}

function publishFrequency(env: Environment): PublishFrequency {
  const value = optional(env, ENV.PUBLISH_FREQUENCY) ?? 'SIX_HOURS';
  if (!(PUBLISH_FREQUENCIES as readonly string[]).includes(value)) {
    throw new ConfigError(ENV.PUBLISH_FREQUENCY, `must be one of ${PUBLISH_FREQUENCIES.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as PublishFrequency;
}

function json(env: Environment, name: string): unknown {
  const text = optional(env, name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(name, 'is not valid JSON', { cause: error });
  }
}

function intelLists(env: Environment): IntelListLocation[] {
  const value = json(env, ENV.INTEL_LISTS) ?? [];
  if (!Array.isArray(value)) throw new ConfigError(ENV.INTEL_LISTS, 'must be a JSON array');
  return value.map((entry: unknown, i): IntelListLocation => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    for (const field of ['key', 'name', 'category'] as const) {
      if (typeof e[field] !== 'string' || e[field] === '') throw new ConfigError(ENV.INTEL_LISTS, `entry ${i + 1}: ${field} must be a non-empty string`);
    }
    const kind = e.kind ?? 'threat';
    if (kind !== 'threat' && kind !== 'trusted') throw new ConfigError(ENV.INTEL_LISTS, `entry ${i + 1}: kind must be threat or trusted`);
    if (e.format !== undefined && typeof e.format !== 'string') throw new ConfigError(ENV.INTEL_LISTS, `entry ${i + 1}: format must be a string`);
    return {
      key: e.key as string,
      name: e.name as string,
      category: e.category as string,
      kind: kind as IntelKind,
      ...(typeof e.format === 'string' ? { format: e.format } : {}),
    };
  });
}

function suppressionRules(env: Environment): SuppressionRule[] {
  const value = json(env, ENV.SUPPRESSION_RULES) ?? [];
  if (!Array.isArray(value)) throw new ConfigError(ENV.SUPPRESSION_RULES, 'must be a JSON array');
  return value.map((rule, i) => {
    try {
      return parseSuppressionRule(rule, i);
    } catch (error) {
      throw new ConfigError(ENV.SUPPRESSION_RULES, (error as Error).message, { cause: error });
    }
  });
}
