/**
 * What a Lambda container builds once, at cold start, and reuses for every invocation: SDK clients, the
 * DynamoDB stores, the engine with every detector (the same engine the CLI runs), the intel lists, the
 * EventBridge publisher, Logger and Metrics.
 *
 * Everything AWS-facing can be injected, which is how the end-to-end tests point real SDK clients at local
 * emulators and how a unit test replaces EventBridge with a mock.
 *
 * @example
 * const runtime = await createIngestRuntime(readIngestConfig(process.env), { service: 'ingest-s3' });
 */
import { join } from 'node:path';
import { lazyGeoEnricher } from '../adapters/geo-data';
import { GEO_DATA_FILES, PENDING_FINDINGS_INDEX } from '../shared/constants';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoFindingRepository } from '../adapters/dynamodb-findings';
import { DynamoInputLedger } from '../adapters/dynamodb-ledger';
import { DynamoStateStore } from '../adapters/dynamodb-state';
import { Ec2InstanceEnricher } from '../adapters/ec2-instance-enricher';
import { Ec2InstanceDirectory } from '../adapters/ec2-instances';
import { FindingEventPublisher } from '../adapters/eventbridge-publisher';
import { loadIntelFromBucket } from '../adapters/intel-loader';
import type { Backoff } from '../adapters/retry';
import { S3ObjectReader } from '../adapters/s3-objects';
import { DETECTORS } from '../detectors';
import type { AnyDetector } from '../engine/detector';
import type { FindingEnricher } from '../engine/enrichment';
import { Engine } from '../engine/engine';
import type { IntelLookup } from '../intel/types';
import type { IngestConfig, PublishConfig } from './config';
import { FindingPublication } from './publication';
import { PowertoolsMetricSink, type MetricSink } from './telemetry';

/** CloudWatch namespace of every Vigil metric. */
export const METRICS_NAMESPACE = 'Vigil';

export interface RuntimeDependencies {
  /** Names the function in logs and metrics, e.g. `ingest-s3`. */
  readonly service: string;
  readonly dynamodb?: DynamoDBClient;
  readonly s3?: S3Client;
  readonly eventBridge?: EventBridgeClient;
  /** EC2 for instance enrichment; `null` switches enrichment off. */
  readonly ec2?: EC2Client | null;
  readonly logger?: Logger;
  readonly metrics?: MetricSink;
  /** Wall clock (ms) for TTLs, ledger entries and publication times. @default Date.now */
  readonly clock?: () => number;
  /** @default DETECTORS, the registry the CLI runs */
  readonly detectors?: readonly AnyDetector[];
  readonly publishBackoff?: Backoff;
  /** Backoff between re-runs of an input that lost an optimistic-concurrency race. */
  readonly conflictBackoff?: Backoff;
  /** Events per engine batch. @default 5000 */
  readonly batchSize?: number;
  /** Enrichers run after the EC2 one (e.g. offline geolocation of remote addresses). */
  readonly enrichers?: readonly FindingEnricher[];
}

export interface PublishRuntime {
  readonly logger: Logger;
  readonly metrics: MetricSink;
  readonly findings: DynamoFindingRepository;
  readonly publication: FindingPublication;
}

export interface IngestRuntime extends PublishRuntime {
  readonly config: IngestConfig;
  readonly engine: Engine;
  readonly reader: S3ObjectReader;
  readonly conflictBackoff: Backoff;
  readonly batchSize: number;
}

const DEFAULT_CONFLICT_BACKOFF: Backoff = { baseDelayMs: 50, maxDelayMs: 2_000, maxAttempts: 4 };

export function createPublishRuntime(config: PublishConfig, deps: RuntimeDependencies): PublishRuntime {
  const logger = deps.logger ?? new Logger({ serviceName: deps.service });
  const metrics = deps.metrics ?? new PowertoolsMetricSink(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: deps.service }));
  const doc = documentClient(deps.dynamodb ?? new DynamoDBClient({}));
  const findings = new DynamoFindingRepository({ client: doc, tableName: config.findingsTable, pendingIndexName: PENDING_FINDINGS_INDEX, ...(deps.clock ? { clock: deps.clock } : {}) });
  const publisher = new FindingEventPublisher({
    client: deps.eventBridge ?? new EventBridgeClient({}),
    eventBusName: config.findingsBus,
    ...(deps.publishBackoff ? { backoff: deps.publishBackoff } : {}),
  });
  const publication = new FindingPublication({ findings, publisher, frequency: config.publishFrequency, ...(deps.clock ? { clock: deps.clock } : {}) });
  return { logger, metrics, findings, publication };
}

/** Builds the ingest runtime; reads the intel lists from S3 (the only slow part of a cold start). */
export async function createIngestRuntime(config: IngestConfig, given: RuntimeDependencies): Promise<IngestRuntime> {
  // One DynamoDB client for every store of the container (each client keeps its own connection pool).
  const deps: RuntimeDependencies = { ...given, dynamodb: given.dynamodb ?? new DynamoDBClient({}) };
  const base = createPublishRuntime(config, deps);
  const { logger, metrics, findings } = base;
  const clock = deps.clock ? { clock: deps.clock } : {};
  const doc = documentClient(deps.dynamodb!);
  const reader = new S3ObjectReader({ client: deps.s3 ?? new S3Client({}) });
  const intel = await loadIntel(config, reader, logger, metrics);
  const ec2 = deps.ec2 === undefined ? new EC2Client({}) : deps.ec2;
  const enrichers = ec2
    ? [
        new Ec2InstanceEnricher({
          directory: new Ec2InstanceDirectory({ client: ec2, ...clock }),
          accountId: config.scope.accountId,
          ...clock,
          onError: (error, finding) => logger.warn('instance enrichment skipped', { findingId: finding.id, error: error as Error }),
        }),
      ]
    : [];
  const geo = config.geoDataDir
    ? [
        lazyGeoEnricher(
          {
            countryDatabase: join(config.geoDataDir, GEO_DATA_FILES.COUNTRY_MMDB.file),
            asnIpv4Csv: join(config.geoDataDir, GEO_DATA_FILES.ASN_IPV4_CSV.file),
            asnIpv6Csv: join(config.geoDataDir, GEO_DATA_FILES.ASN_IPV6_CSV.file),
          },
          (error) => logger.warn('geolocation unavailable', { error }),
        ),
      ]
    : [];
  const engine = new Engine({
    detectors: deps.detectors ?? DETECTORS,
    state: new DynamoStateStore({ client: doc, tableName: config.stateTable, ...clock }),
    findings,
    ledger: new DynamoInputLedger({ client: doc, tableName: config.stateTable, ...clock }),
    scope: config.scope,
    ...(intel ? { intel } : {}),
    suppressionRules: config.suppressionRules,
    enrichers: [...enrichers, ...geo, ...(deps.enrichers ?? [])],
  });
  return {
    ...base,
    config,
    engine,
    reader,
    conflictBackoff: deps.conflictBackoff ?? DEFAULT_CONFLICT_BACKOFF,
    batchSize: deps.batchSize ?? 5000,
  };
}

/**
 * Runs a cold-start builder at most once per container, and again after a failed attempt (a throttled
 * S3 read at start-up must not leave the container broken for its whole life).
 */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

async function loadIntel(config: IngestConfig, reader: S3ObjectReader, logger: Logger, metrics: MetricSink): Promise<IntelLookup | undefined> {
  if (!config.intel || config.intel.lists.length === 0) return undefined;
  const { intel, reports, failures } = await loadIntelFromBucket({ reader, bucket: config.intel.bucket, lists: config.intel.lists });
  for (const { list, error } of failures) logger.error('threat list left out', { list: list.name, key: list.key, error });
  metrics.count('IntelListsFailed', failures.length);
  logger.info('intel lists loaded', { lists: reports.map((r) => ({ name: r.name, kind: r.kind, entries: r.entries, issues: r.issueCount })) });
  return intel;
}

function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
