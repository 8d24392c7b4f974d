/**
 * The expiry Lambda, run on a schedule: removes the blocks whose time is up from WAF and the NACLs and
 * marks them `expired` in the registry. At most `limit` blocks per run (the rest are due on the next run),
 * so one run stays well inside the function's timeout and WAF's update rate. A target that cannot be
 * changed keeps its blocks live for the next run; only a failure of the registry itself fails the run.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { BlockMaintenance, type MaintenanceReport } from '../response/maintenance';
import { record, responseAdaptersFromEnvironment } from './respond';

/** Blocks expired per run at most. */
export const EXPIRY_BATCH_LIMIT = 500;

export interface ExpireRuntime {
  readonly maintenance: BlockMaintenance;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface ExpireSummary {
  readonly expired: number;
  readonly failedTargets: readonly string[];
}

/**
 * @example
 * const expire = createExpireHandler({ maintenance, logger, metrics });
 * await expire(); // { expired: 3, failedTargets: [] }
 */
export function createExpireHandler(runtime: ExpireRuntime | (() => ExpireRuntime), limit = EXPIRY_BATCH_LIMIT) {
  let ready: ExpireRuntime | undefined;
  return async function expire(_event?: unknown): Promise<ExpireSummary> {
    const { maintenance, logger, metrics } = (ready ??= typeof runtime === 'function' ? runtime() : runtime);
    let report: MaintenanceReport;
    try {
      report = await maintenance.expireDue(limit);
    } finally {
      // Published even when the run fails, so the failure shows next to the counts.
      metrics.publishStoredMetrics();
    }
    record(report, logger, metrics);
    metrics.publishStoredMetrics();
    return { expired: report.ended.length, failedTargets: report.failures.map((f) => f.target) };
  };
}

export const handler = createExpireHandler(() => {
  const adapters = responseAdaptersFromEnvironment();
  return {
    maintenance: new BlockMaintenance({ ...adapters, clock: () => Date.now() }),
    logger: new Logger({ serviceName: 'vigil-expire-blocks' }),
    metrics: new Metrics({ namespace: 'Vigil', serviceName: 'vigil-expire-blocks' }),
  };
});
