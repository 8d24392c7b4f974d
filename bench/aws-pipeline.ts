/**
 * Throughput of the Lambda handlers against local AWS emulators, for the README's cost model.
 *
 *   npx tsx bench/aws-pipeline.ts            (BENCH_FLOW_FILES, BENCH_TRAIL_FILES, BENCH_STREAM_RECORDS to resize)
 *
 * dynalite, kinesalite and s3rver run in a child process, so the handler process's CPU time is what a
 * Lambda would spend (its wall time also waits on the emulators, which share the machine's cores). For each
 * path it prints events, wall and handler CPU seconds, events per CPU second, and the AWS requests made per
 * 1,000 events (DynamoDB by operation, S3 GetObject, EventBridge PutEvents): request counts, not emulator
 * timings, are what the AWS bill is made of. The data is synthetic and seeded, so runs compare.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSBatchResponse } from 'aws-lambda';
import { readIngestConfig } from '../lambdas/handlers/config';
import { createIngestS3Handler } from '../lambdas/handlers/ingest-s3';
import { createIngestStreamHandler } from '../lambdas/handlers/ingest-stream';
import { createIngestRuntime, type IngestRuntime } from '../lambdas/handlers/runtime';
import type { MetricSink } from '../lambdas/handlers/telemetry';
import { ENV } from '../lambdas/shared/constants';
import { createTables } from '../test/support/tables';
import { ACCOUNT, cloudTrailFile, cloudTrailRecord, FLOW_HEADER, kinesisEvent, LOG_T0, REGION, s3Notification, sqsEvent, subscriptionPayload } from '../test/support/log-samples';
import { mulberry32 } from '../scripts/prng';

const FLOW_FILES = Number(process.env.BENCH_FLOW_FILES ?? 4);
const FLOW_LINES_PER_FILE = 50_000;
const TRAIL_FILES = Number(process.env.BENCH_TRAIL_FILES ?? 4);
const TRAIL_RECORDS_PER_FILE = 5_000;
const STREAM_RECORDS = Number(process.env.BENCH_STREAM_RECORDS ?? 200);
const EVENTS_PER_STREAM_RECORD = 100;
const BUCKET = 'bench-logs';


/** Flow lines: web traffic on 200 interfaces from many clients, plus SSH brute force from five addresses on five bastions. */
function flowLines(n: number, start: number, next: () => number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const eni = `eni-${String(Math.floor(next() * 200)).padStart(17, '0')}`;
    const local = `10.0.${Math.floor(next() * 4)}.${1 + Math.floor(next() * 250)}`;
    const t = Math.floor((start + Math.floor(next() * 300_000)) / 1000);
    if (i % 50 === 0) {
      // Each attacker works on one bastion, so its attempts add up to a finding.
      const target = i % 5;
      lines.push(`2 ${ACCOUNT} eni-${String(target).padStart(17, '0')} 198.51.100.${10 + target} 10.0.9.${10 + target} ${30000 + Math.floor(next() * 30000)} 22 6 12 1840 ${t} ${t + 5} ACCEPT OK`);
    } else {
      const client = `${1 + Math.floor(next() * 220)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}`;
      lines.push(`2 ${ACCOUNT} ${eni} ${client} ${local} ${1024 + Math.floor(next() * 60000)} 443 6 ${1 + Math.floor(next() * 40)} ${100 + Math.floor(next() * 90000)} ${t} ${t + 60} ACCEPT OK`);
    }
  }
  return lines;
}

/** CloudTrail: reads and writes by a few users and roles, with a root call and a StopLogging per file. */
function trailRecords(n: number, start: number, next: () => number): Record<string, unknown>[] {
  const users = ['alice', 'bob', 'carol', 'deploy', 'ci'];
  const apis: [string, string, boolean][] = [
    ['DescribeInstances', 'ec2.amazonaws.com', true],
    ['GetObject', 's3.amazonaws.com', true],
    ['PutObject', 's3.amazonaws.com', false],
    ['AssumeRole', 'sts.amazonaws.com', false],
    ['ListRoles', 'iam.amazonaws.com', true],
  ];
  return Array.from({ length: n }, (_, i) => {
    const at = start + Math.floor(next() * 300_000);
    if (i === 0) return cloudTrailRecord({ eventName: 'ListBuckets', eventSource: 's3.amazonaws.com', identity: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root` }, at });
    if (i === 1) return cloudTrailRecord({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', identity: { type: 'IAMUser', userName: 'mallory', arn: `arn:aws:iam::${ACCOUNT}:user/mallory` }, at });
    const [eventName, eventSource, readOnly] = apis[Math.floor(next() * apis.length)]!;
    const user = users[Math.floor(next() * users.length)]!;
    return cloudTrailRecord({ eventName, eventSource, readOnly, identity: { type: 'IAMUser', userName: user, arn: `arn:aws:iam::${ACCOUNT}:user/${user}` }, sourceIp: `192.0.2.${Math.floor(next() * 250)}`, at });
  });
}

/** Starts the three emulators in a child process and returns their endpoints. */
async function startEmulators(): Promise<{ child: ChildProcess; endpoints: { dynamodb: string; kinesis: string; s3: string } }> {
  const script = join(tmpdir(), `vigil-bench-emulators-${process.pid}.js`);
  writeFileSync(
    script,
    `const dynalite = require('dynalite'); const kinesalite = require('kinesalite'); const S3rver = require('s3rver');
     const { mkdtempSync } = require('fs'); const { join } = require('path'); const { tmpdir } = require('os');
     const listen = (s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r('http://127.0.0.1:' + s.address().port)));
     // Go when the bench goes, even if it crashed.
     process.on('disconnect', () => process.exit(0));
     (async () => {
       const dynamodb = await listen(dynalite({ createTableMs: 0 }));
       const kinesis = await listen(kinesalite({ createStreamMs: 0 }));
       const s3 = await new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: mkdtempSync(join(tmpdir(), 'vigil-bench-s3-')) }).run();
       process.send({ dynamodb, kinesis, s3: 'http://127.0.0.1:' + s3.port });
     })();`,
  );
  const child = fork(script, [], { execArgv: [], cwd: process.cwd(), env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const endpoints = await new Promise<{ dynamodb: string; kinesis: string; s3: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as never));
    child.once('exit', (code) => reject(new Error(`emulators exited with ${code}`)));
  });
  return { child, endpoints };
}

/** Counts AWS requests by operation, from the SDK's middleware stack. */
function countRequests(client: { middlewareStack: DynamoDBClient['middlewareStack'] }, counts: Map<string, number>, prefix: string): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = `${prefix}:${context.commandName?.replace(/Command$/, '')}`;
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `count-${prefix}` },
  );
}

const QUIET_METRICS: MetricSink = { count: () => undefined, milliseconds: () => undefined, flush: () => undefined };

interface Row {
  path: string;
  events: number;
  wallS: number;
  cpuS: number;
  requests: Map<string, number>;
  findings: number;
  rssMiB: number;
}

async function measure(path: string, runtime: IngestRuntime, counts: Map<string, number>, run: () => Promise<number>): Promise<Row> {
  counts.clear();
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const events = await run();
  const wallS = (performance.now() - wall) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  void runtime;
  return { path, events, wallS, cpuS: (used.user + used.system) / 1e6, requests: new Map(counts), findings: 0, rssMiB: Math.round(peak / 1048576) };
}

async function main(): Promise<void> {
  const { child, endpoints } = await startEmulators();
  try {
    await run(endpoints);
  } finally {
    child.kill();
  }
}

async function run(endpoints: { dynamodb: string; kinesis: string; s3: string }): Promise<void> {
  const credentials = { accessKeyId: 'AKIAVIGILBENCH000000', secretAccessKey: 'bench' };
  const dynamodb = new DynamoDBClient({ region: REGION, endpoint: endpoints.dynamodb, credentials, maxAttempts: 2 });
  const s3 = new S3Client({ region: REGION, endpoint: endpoints.s3, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const kinesis = new KinesisClient({ region: REGION, endpoint: endpoints.kinesis, credentials, requestHandler: new NodeHttpHandler() });
  const eventBridge = new EventBridgeClient({ region: REGION, credentials });
  const counts = new Map<string, number>();
  // No EventBridge emulator exists: the mock answers, and counts calls itself (a mocked client skips its middleware).
  mockClient(eventBridge)
    .on(PutEventsCommand)
    .callsFake((input: { Entries: unknown[] }) => {
      counts.set('EventBridge:PutEvents', (counts.get('EventBridge:PutEvents') ?? 0) + 1);
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) };
    });
  countRequests(dynamodb, counts, 'DynamoDB');
  countRequests(s3 as never, counts, 'S3');

  const tables = await createTables(dynamodb);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const config = readIngestConfig({
    [ENV.FINDINGS_TABLE]: tables.findings,
    [ENV.STATE_TABLE]: tables.state,
    [ENV.FINDINGS_BUS]: 'bench-bus',
    [ENV.PUBLISH_FREQUENCY]: 'FIFTEEN_MINUTES',
    [ENV.DEFAULT_ACCOUNT]: ACCOUNT,
    [ENV.DEFAULT_REGION]: REGION,
  });
  const runtime = await createIngestRuntime(config, {
    service: 'bench',
    dynamodb,
    s3,
    eventBridge,
    ec2: null,
    logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
    metrics: QUIET_METRICS,
  });
  const ingestS3 = createIngestS3Handler(async () => runtime);
  const ingestStream = createIngestStreamHandler(async () => runtime);
  const next = mulberry32(7);

  // Objects go into S3 before the clock starts: the bench times the handler, not the upload.
  const put = async (key: string, body: Buffer) => {
    const r = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    return s3Notification(BUCKET, key, { size: body.length, eTag: (r.ETag ?? '').replace(/"/g, '') });
  };
  const flowNotifications: Record<string, unknown>[] = [];
  let flowBytes = 0;
  for (let f = 0; f < FLOW_FILES; f++) {
    const body = gzipSync(Buffer.from([FLOW_HEADER, ...flowLines(FLOW_LINES_PER_FILE, LOG_T0 + f * 300_000, next)].join('\n') + '\n'));
    flowBytes += body.length;
    flowNotifications.push(await put(`AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2025/01/01/flow-${f}.log.gz`, body));
  }
  const trailNotifications: Record<string, unknown>[] = [];
  let trailBytes = 0;
  for (let f = 0; f < TRAIL_FILES; f++) {
    const body = cloudTrailFile(trailRecords(TRAIL_RECORDS_PER_FILE, LOG_T0 + f * 300_000, next));
    trailBytes += body.length;
    trailNotifications.push(await put(`AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2025/01/01/trail-${f}.json.gz`, body));
  }

  const ok = (r: SQSBatchResponse) => {
    if (r.batchItemFailures.length > 0) throw new Error(`batch failures: ${JSON.stringify(r.batchItemFailures)}`);
  };
  const rows: Row[] = [];
  const flowEvent = sqsEvent(flowNotifications);
  rows.push(await measure(`S3 flow logs (${FLOW_FILES} × ${FLOW_LINES_PER_FILE.toLocaleString('en-US')} lines, ${(flowBytes / 1e6).toFixed(1)} MB gz)`, runtime, counts, async () => (ok(await ingestS3(flowEvent)), FLOW_FILES * FLOW_LINES_PER_FILE)));
  const trailEvent = sqsEvent(trailNotifications);
  rows.push(await measure(`S3 CloudTrail (${TRAIL_FILES} × ${TRAIL_RECORDS_PER_FILE.toLocaleString('en-US')} records, ${(trailBytes / 1e6).toFixed(1)} MB gz)`, runtime, counts, async () => (ok(await ingestS3(trailEvent)), TRAIL_FILES * TRAIL_RECORDS_PER_FILE)));
  rows.push(await measure('S3 flow logs, same batch redelivered', runtime, counts, async () => (ok(await ingestS3(flowEvent)), FLOW_FILES * FLOW_LINES_PER_FILE)));

  // Kinesis: subscription payloads of 100 flow records each, read back and handed over 100 records a batch.
  const stream = 'bench-stream';
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { StreamName: stream });
  for (let i = 0; i < STREAM_RECORDS; i += 100) {
    const payloads = Array.from({ length: Math.min(100, STREAM_RECORDS - i) }, (_, j) => subscriptionPayload('/vpc/flow', flowLines(EVENTS_PER_STREAM_RECORD, LOG_T0 + 3_600_000 + (i + j) * 1000, next)));
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: payloads.map((Data, j) => ({ Data, PartitionKey: `p${i + j}` })) }));
  }
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const shardId = Shards![0]!.ShardId!;
  let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const batches: ReturnType<typeof kinesisEvent>[] = [];
  for (let read = 0; read < STREAM_RECORDS && iterator; ) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
    if (page.Records?.length) batches.push(kinesisEvent(stream, shardId, page.Records));
    read += page.Records?.length ?? 0;
    iterator = page.NextShardIterator;
  }
  rows.push(
    await measure(`Kinesis CWL payloads (${STREAM_RECORDS} records × ${EVENTS_PER_STREAM_RECORD} flow lines)`, runtime, counts, async () => {
      for (const batch of batches) {
        const r = await ingestStream(batch);
        if (r.batchItemFailures.length > 0) throw new Error('stream batch failures');
      }
      return STREAM_RECORDS * EVENTS_PER_STREAM_RECORD;
    }),
  );

  console.log('path'.padEnd(62), 'events'.padStart(9), 'wall s'.padStart(7), 'CPU s'.padStart(6), 'ev/CPU-s'.padStart(9), 'RSS MiB'.padStart(8), '  AWS requests per 1,000 events');
  for (const r of rows) {
    const per1k = [...r.requests.entries()].sort().map(([k, v]) => `${k} ${((v * 1000) / r.events).toFixed(3)}`).join(', ');
    console.log(
      r.path.padEnd(62),
      String(r.events).padStart(9),
      r.wallS.toFixed(2).padStart(7),
      r.cpuS.toFixed(2).padStart(6),
      Math.round(r.events / r.cpuS).toLocaleString('en-US').padStart(9),
      String(r.rssMiB).padStart(8),
      ' ',
      per1k,
    );
  }
  for (const r of rows) console.log(`${r.path}: ${JSON.stringify(Object.fromEntries(r.requests))}`);

  dynamodb.destroy();
  s3.destroy();
  kinesis.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
