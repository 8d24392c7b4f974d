/**
 * The respond Lambda: findings from the findings bus in, blocks in WAF and network ACLs out.
 *
 * The stack routes `Vigil Finding` events through an SQS queue (so bursts arrive as one batch, and one
 * batch makes at most one update per IP set and one reconciliation per NACL); the function also accepts a
 * single EventBridge event, for direct rule targets and manual tests. Bad input (a body that is not JSON,
 * an event that is not a Vigil finding) is logged, counted and dropped, never retried. A target that
 * could not be changed fails exactly the messages whose findings needed it, so SQS retries those alone.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoBlockRegistry } from '../adapters/block-registry';
import { RemediationActionPublisher } from '../adapters/block-registry-events';
import { loadIntelFromBucket, type IntelListLocation } from '../adapters/intel-loader';
import { Ec2NetworkAclGateway } from '../adapters/network-acl';
import { S3ObjectReader } from '../adapters/s3-objects';
import { WafIpSetGateway } from '../adapters/wafv2-ip-sets';
import type { Finding } from '../engine/finding';
import type { IntelLookup } from '../intel/types';
import type { RemediationAction } from '../response/actions';
import { parseResponseConfig, type ResponseConfig } from '../response/config';
import { ResponseConfigError } from '../response/errors';
import type { ActionPublisher, BlockRegistry, IpSetGateway, NetworkAclGateway } from '../response/ports';
import { Responder, type RespondReport } from '../response/responder';
import { DETAIL_TYPE, ENV, EVENT_SOURCE } from '../shared/constants';

export interface RespondRuntime {
  readonly responder: Responder;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** What the response Lambdas share: configuration and adapters, built once per container. */
export interface ResponseAdapters {
  readonly config: ResponseConfig;
  readonly registry: BlockRegistry;
  readonly waf: IpSetGateway;
  readonly nacl: NetworkAclGateway;
  readonly publisher?: ActionPublisher;
}

type IncomingEvent = SQSEvent | EventBridgeEvent<string, unknown>;

/**
 * Reads the environment (once) into configuration and AWS adapters.
 * @throws ResponseConfigError when a required variable is missing or the configuration is invalid.
 */
export function responseAdaptersFromEnvironment(env: NodeJS.ProcessEnv = process.env): ResponseAdapters {
  const tableName = env[ENV.BLOCK_REGISTRY_TABLE];
  if (!tableName) throw new ResponseConfigError(ENV.BLOCK_REGISTRY_TABLE, 'is not set');
  const configJson = env[ENV.RESPONSE_CONFIG];
  let raw: unknown;
  try {
    raw = configJson ? JSON.parse(configJson) : undefined;
  } catch (error) {
    throw new ResponseConfigError(ENV.RESPONSE_CONFIG, 'is not valid JSON', { cause: error });
  }
  const config = parseResponseConfig(raw);
  const needsCloudFront = config.waf.ipSets.some((s) => s.scope === 'CLOUDFRONT');
  const bus = env[ENV.FINDINGS_BUS];
  return {
    config,
    registry: new DynamoBlockRegistry({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName }),
    // CloudFront-scoped IP sets exist only in us-east-1, whatever region the function runs in.
    waf: new WafIpSetGateway({ regional: new WAFV2Client({}), ...(needsCloudFront ? { cloudfront: new WAFV2Client({ region: 'us-east-1' }) } : {}) }),
    nacl: new Ec2NetworkAclGateway({ client: new EC2Client({}) }),
    ...(bus ? { publisher: new RemediationActionPublisher({ client: new EventBridgeClient({}), eventBusName: bus }) } : {}),
  };
}

/** Loads the trusted lists named in the environment; a list that cannot be read is logged and left out. */
export async function trustedListsFromEnvironment(logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Pick<IntelLookup, 'isTrustedIp'> | undefined> {
  const bucket = env[ENV.INTEL_BUCKET];
  const listsJson = env[ENV.INTEL_LISTS];
  if (!bucket || !listsJson) return undefined;
  let lists: IntelListLocation[];
  try {
    lists = (JSON.parse(listsJson) as IntelListLocation[]).filter((l) => l.kind === 'trusted');
  } catch (error) {
    throw new ResponseConfigError(ENV.INTEL_LISTS, 'is not valid JSON', { cause: error });
  }
  if (lists.length === 0) return undefined;
  const { intel, failures } = await loadIntelFromBucket({ reader: new S3ObjectReader({ client: new S3Client({}) }), bucket, lists });
  for (const f of failures) logger.error('trusted list not loaded; its addresses are not protected from blocking', { list: f.list.name, error: f.error });
  return intel;
}

async function runtimeFromEnvironment(): Promise<RespondRuntime> {
  const logger = new Logger({ serviceName: 'vigil-respond' });
  const metrics = new Metrics({ namespace: 'Vigil', serviceName: 'vigil-respond' });
  const adapters = responseAdaptersFromEnvironment();
  const intel = await trustedListsFromEnvironment(logger);
  const responder = new Responder({ ...adapters, ...(intel ? { intel } : {}), clock: () => Date.now() });
  return { responder, logger, metrics };
}

/**
 * Builds the handler around a runtime (or a promise of one, built on first use: cold start).
 *
 * @example
 * const handler = createRespondHandler({ responder, logger, metrics });
 * await handler(sqsEvent); // { batchItemFailures: [...] }
 */
export function createRespondHandler(runtime: RespondRuntime | (() => Promise<RespondRuntime>)) {
  let ready: Promise<RespondRuntime> | undefined;
  const get = (): Promise<RespondRuntime> => (ready ??= typeof runtime === 'function' ? runtime() : Promise.resolve(runtime));

  return async function respond(event: IncomingEvent): Promise<SQSBatchResponse | { readonly findings: number; readonly actions: number }> {
    const { responder, logger, metrics } = await get();
    const messages = incomingFindings(event);
    const findings = messages.flatMap((m) => (m.finding ? [m.finding] : []));
    metrics.addMetric('FindingsReceived', MetricUnit.Count, findings.length);
    for (const m of messages) {
      if (m.rejection) {
        metrics.addMetric('FindingsRejected', MetricUnit.Count, 1);
        logger.warn('input is not a Vigil finding; dropped', { messageId: m.messageId, reason: m.rejection });
      }
    }

    let report: RespondReport;
    try {
      report = findings.length > 0 ? await responder.respond(findings) : { decisions: [], actions: [], failures: [], drift: [] };
    } catch (error) {
      // The registry itself failed: nothing was decided for good, so every message is retried.
      logger.error('response failed', { error });
      metrics.publishStoredMetrics();
      if ('Records' in event) return { batchItemFailures: messages.filter((m) => m.finding).map((m) => ({ itemIdentifier: m.messageId })) };
      throw error;
    }

    record(report, logger, metrics);
    metrics.publishStoredMetrics();
    const failedFindings = new Set(report.failures.flatMap((f) => f.findingIds));
    if ('Records' in event) {
      return { batchItemFailures: messages.filter((m) => m.finding && failedFindings.has(m.finding.id)).map((m) => ({ itemIdentifier: m.messageId })) };
    }
    if (failedFindings.size > 0) {
      throw new Error(`blocks failed on ${report.failures.map((f) => f.target).join(', ')}; EventBridge will retry`, { cause: report.failures[0]?.error });
    }
    return { findings: findings.length, actions: report.actions.length };
  };
}

export const handler = createRespondHandler(runtimeFromEnvironment);

interface IncomingMessage {
  readonly messageId: string;
  readonly finding?: Finding;
  readonly rejection?: string;
}

/** The findings carried by an SQS batch of EventBridge events, or by one EventBridge event. */
export function incomingFindings(event: unknown): IncomingMessage[] {
  if (isRecord(event) && Array.isArray(event.Records)) {
    return event.Records.map((r: unknown, i: number) => {
      const messageId = isRecord(r) && typeof r.messageId === 'string' ? r.messageId : `#${i}`;
      if (!isRecord(r) || typeof r.body !== 'string') return { messageId, rejection: 'record without a body' };
      let body: unknown;
      try {
        body = JSON.parse(r.body);
      } catch {
        return { messageId, rejection: 'body is not JSON' };
      }
      return { messageId, ...findingOf(body) };
    });
  }
  const id = isRecord(event) && typeof event.id === 'string' ? event.id : 'event';
  return [{ messageId: id, ...findingOf(event) }];
}

function findingOf(event: unknown): { finding?: Finding; rejection?: string } {
  if (!isRecord(event)) return { rejection: 'not an object' };
  if (event.source !== EVENT_SOURCE || event['detail-type'] !== DETAIL_TYPE.FINDING) {
    return { rejection: `unexpected event ${String(event.source)} / ${String(event['detail-type'])}` };
  }
  const detail = event.detail;
  if (!isRecord(detail) || typeof detail.id !== 'string' || typeof detail.type !== 'string' || typeof detail.severity !== 'number' || !isRecord(detail.service)) {
    return { rejection: 'detail is not a finding (id, type, severity, service)' };
  }
  return { finding: detail as unknown as Finding };
}

const ACTION_METRICS: Record<RemediationAction['action'], string> = {
  block: 'BlocksAdded',
  extend: 'BlocksExtended',
  expire: 'BlocksExpired',
  evict: 'BlocksEvicted',
  unblock: 'BlocksUnblocked',
  refuse: 'BlocksRefused',
  reject: 'BlocksRejected',
  fail: 'BlocksFailed',
};

/** Logs every action and drift note and counts them; exported for the expiry handler. */
export function record(report: Pick<RespondReport, 'actions' | 'failures' | 'drift' | 'publishError'>, logger: Logger, metrics: Metrics): void {
  const counts = new Map<string, number>();
  for (const action of report.actions) {
    const metric = action.mode === 'dry-run' && action.action === 'block' ? 'BlocksSimulated' : ACTION_METRICS[action.action];
    counts.set(metric, (counts.get(metric) ?? 0) + 1);
    logger.info(`remediation ${action.action}`, { remediation: action });
  }
  for (const [metric, n] of counts) metrics.addMetric(metric, MetricUnit.Count, n);
  for (const d of report.drift) logger.warn('network ACL drift reconciled', { drift: d });
  for (const f of report.failures) logger.error('block target could not be changed', { target: f.target, findingIds: f.findingIds, error: f.error });
  if (report.publishError !== undefined) logger.error('remediation actions not published', { error: report.publishError });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
