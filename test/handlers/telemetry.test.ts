import { Metrics } from '@aws-lambda-powertools/metrics';
import { IssueLog, LOGGED_ISSUES_PER_INPUT, PowertoolsMetricSink } from '../../lambdas/handlers/telemetry';
import { silentLogger } from '../support/pipeline';

describe('PowertoolsMetricSink', () => {
  it('writes counts and latency as one EMF blob in the Vigil namespace, and dimensioned counts on their own', () => {
    const lines: string[] = [];
    // Powertools writes EMF through its own Console on stdout.
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    try {
      const sink = new PowertoolsMetricSink(new Metrics({ namespace: 'Vigil', serviceName: 'ingest-s3' }));
      sink.count('FindingsNew', 2);
      sink.milliseconds('BatchLatency', 12.5);
      sink.count('EventsIn', 40, { source: 'vpcflow' });
      sink.count('EventsRejected', 0, { reason: 'corrupt-gzip' });
      sink.flush();
      sink.flush();
    } finally {
      spy.mockRestore();
      if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
      else process.env.POWERTOOLS_METRICS_DISABLED = previous;
    }
    const blobs = lines.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(blobs).toHaveLength(2);
    expect(blobs[0]).toMatchObject({ source: 'vpcflow', EventsIn: 40, _aws: { CloudWatchMetrics: [{ Namespace: 'Vigil' }] } });
    expect(blobs[1]).toMatchObject({ service: 'ingest-s3', FindingsNew: 2, BatchLatency: 12.5 });
  });
});

describe('IssueLog', () => {
  it('counts every issue and logs the first few with their location', () => {
    const logger = silentLogger();
    const warn = jest.spyOn(logger, 'warn');
    const log = new IssueLog();
    for (let line = 1; line <= 50; line++) log.onIssue({ reason: 'column-mismatch', message: 'bad', origin: { input: 's3://b/k', line } });
    log.write(logger, 's3://b/k');
    const [, details] = warn.mock.calls[0] as [string, { issues: number; shown: { origin: { line: number } }[] }];
    expect(details.issues).toBe(50);
    expect(details.shown).toHaveLength(LOGGED_ISSUES_PER_INPUT);
    expect(details.shown[0]!.origin).toEqual({ input: 's3://b/k', line: 1 });
  });
});
