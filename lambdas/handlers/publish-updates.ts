/**
 * Lambda entry point, on a schedule: publishes the findings still waiting for EventBridge.
 *
 * Updates to existing findings wait for the configured publishing frequency (`VIGIL_PUBLISH_FREQUENCY`,
 * GuardDuty's 15 minutes / 1 hour / 6 hours); each is sent once its wait is over. New findings whose
 * immediate publication failed are sent on the next run, whatever the frequency, so a PutEvents outage
 * delays findings but never loses them. Any schedule at or below the frequency works; every 5 minutes
 * keeps the delay close to the configured one.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { readPublishConfig } from './config';
import type { PublicationReport } from './publication';
import { createPublishRuntime, type PublishRuntime } from './runtime';

export function createPublishUpdatesHandler(runtime: () => PublishRuntime) {
  return async (_event?: ScheduledEvent, _context?: Context): Promise<PublicationReport> => {
    const rt = runtime();
    try {
      const report = await rt.publication.publishDue();
      rt.metrics.count('FindingsPublished', report.published);
      rt.logger.info('pending findings published', { ...report });
      return report;
    } catch (error) {
      rt.logger.error('publishing pending findings failed; the next run will try again', { error: error as Error });
      throw error;
    } finally {
      rt.metrics.flush();
    }
  };
}

let built: PublishRuntime | undefined;

/** The function the stack deploys: configuration from the environment, AWS clients from the Lambda role. */
export const handler = createPublishUpdatesHandler(() => (built ??= createPublishRuntime(readPublishConfig(process.env), { service: 'publish-updates' })));
