/**
 * A deterministic generator of realistic AWS logs: one small company's account for a number of hours.
 *
 * Benign background across the three sources (a web tier with hundreds of clients, load-balancer health
 * checks, an app–database pair, a monitoring host scraping every instance each minute, a nightly backup to
 * S3, admins' SSH sessions through a bastion, internet noise rejected at the edge, people and roles calling
 * AWS APIs, instances resolving the names they need) and, optionally, a handful of attacks the detectors
 * must catch. The same options always give the same bytes (seeded PRNG, event time only), so samples, tests
 * and benchmarks are reproducible.
 *
 * Addresses: clients, admins and attackers use the documentation ranges (198.51.100.0/24, 203.0.113.0/24,
 * 192.0.2.0/24), which belong to nobody; AWS service endpoints use Amazon's published S3 range.
 */
import { gzipSync } from 'node:zlib';
import { mulberry32 } from './prng';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const VPC = 'vpc-0a1b2c3d4e5f60789';

export interface CorpusOptions {
  readonly seed?: number;
  /** First hour of the corpus (ms, UTC). @default 2025-01-06T00:00:00Z */
  readonly start?: number;
  readonly hours?: number;
  /** Multiplies the background volume. @default 1 */
  readonly scale?: number;
  /** Multiplies the CloudTrail volume on top of `scale` (busy accounts log far more API calls). @default 1 */
  readonly apiScale?: number;
  /** Add the sample attacks. @default false */
  readonly attacks?: boolean;
}

export interface CorpusFile {
  /** Path relative to the corpus root, in the S3 key layout AWS uses. */
  readonly path: string;
  readonly source: 'cloudtrail' | 'vpcflow' | 'dns';
  readonly records: number;
  /** gzip-compressed file content. */
  readonly content: Buffer;
}

interface Instance {
  readonly name: string;
  readonly id: string;
  readonly eni: string;
  readonly ip: string;
  readonly subnet: string;
  /** Logged by the web subnet's custom v5 flow log rather than the VPC's default v2 one. */
  readonly v5: boolean;
}

const instance = (name: string, n: number, ip: string, subnet: string, v5 = false): Instance => ({
  name,
  id: `i-0${n.toString(16).padStart(16, '0')}`,
  eni: `eni-0${(n + 0x100).toString(16).padStart(16, '0')}`,
  ip,
  subnet,
  v5,
});

export const INSTANCES = {
  web1: instance('web-1', 0xa1, '10.0.1.10', 'subnet-0aaa000000000web1', true),
  web2: instance('web-2', 0xa2, '10.0.1.11', 'subnet-0aaa000000000web1', true),
  app: instance('app-1', 0xb1, '10.0.2.20', 'subnet-0bbb000000000app1'),
  db: instance('db-1', 0xc1, '10.0.3.30', 'subnet-0ccc0000000000db1'),
  bastion: instance('bastion', 0xd1, '10.0.0.5', 'subnet-0ddd00000000public'),
  monitor: instance('monitor', 0xd2, '10.0.0.9', 'subnet-0ddd00000000public'),
  backup: instance('backup', 0xe1, '10.0.4.40', 'subnet-0eee0000000backup'),
} as const;

const ALL_INSTANCES: readonly Instance[] = Object.values(INSTANCES);
const LOAD_BALANCER_NODES = ['10.0.0.100', '10.0.0.101'];
export const ADMIN_OFFICE_IP = '198.51.100.5';
export const NAT_GATEWAY_IP = '198.51.100.250';

/** Attack indicators used by the samples (and listed in examples/intel). */
export const ATTACK = {
  sshBruteForcer: '192.0.2.200',
  bruteForceVictimOutbound: '198.51.100.201',
  threatListedIp: '203.0.113.66',
  c2Domain: 'beacon.evil-c2.example',
  customListedDomain: 'xmr.pool-miner.example',
  guardDutyTestDomain: 'guarddutyc2activityb.com',
} as const;

const DEFAULT_START = Date.UTC(2025, 0, 6);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;


class Random {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += Math.floor(this.next() * 16).toString(16);
    return s;
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-8${this.hex(3)}-${this.hex(12)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// VPC Flow Logs

const V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const V5_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id flow-direction traffic-path';

interface Flow {
  readonly on: Instance;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly protocol?: number;
  readonly packets: number;
  readonly bytes: number;
  readonly start: number;
  readonly action?: 'ACCEPT' | 'REJECT';
  /** TCP flags of this record, for the v5 log. */
  readonly flags?: number;
}

function flowLine(f: Flow): string {
  const start = Math.floor(f.start / 1000);
  const end = start + 60;
  const base = `${f.on.v5 ? 5 : 2} ${ACCOUNT} ${f.on.eni} ${f.src} ${f.dst} ${f.srcPort} ${f.dstPort} ${f.protocol ?? 6} ${f.packets} ${f.bytes} ${start} ${end} ${f.action ?? 'ACCEPT'} OK`;
  if (!f.on.v5) return base;
  const ingress = f.dst === f.on.ip;
  return `${base} ${VPC} ${f.on.subnet} ${f.on.id} ${f.flags ?? 0} IPv4 ${f.src} ${f.dst} ${REGION} use1-az1 ${ingress ? 'ingress' : 'egress'} ${ingress ? '-' : '8'}`;
}

/** Both records of a TCP connection on the instance's interface: request (SYN…) and response (SYN-ACK…). */
function connection(on: Instance, client: string, clientPort: number, server: string, serverPort: number, start: number, packets: number, bytes: number, action: 'ACCEPT' | 'REJECT' = 'ACCEPT'): Flow[] {
  const request: Flow = { on, src: client, dst: server, srcPort: clientPort, dstPort: serverPort, packets, bytes: Math.round(bytes * 0.2), start, action, flags: 3 };
  if (action === 'REJECT') return [{ ...request, packets: 1, bytes: 60, flags: 2 }];
  return [request, { on, src: server, dst: client, srcPort: serverPort, dstPort: clientPort, packets, bytes: Math.round(bytes * 0.8), start, flags: 19 }];
}

function benignFlows(rand: Random, minute: number, scale: number): Flow[] {
  const flows: Flow[] = [];
  const { web1, web2, app, db, bastion, monitor, backup } = INSTANCES;
  const ephemeral = () => rand.int(32768, 60999);
  // Web tier: clients from the internet on 443 (a few hundred distinct addresses over a day).
  for (const web of [web1, web2]) {
    const clients = Math.round(6 * scale * (0.5 + rand.next()));
    for (let i = 0; i < clients; i++) {
      const client = `198.51.100.${rand.int(10, 249)}`;
      flows.push(...connection(web, client, ephemeral(), web.ip, 443, minute, rand.int(8, 60), rand.int(2_000, 90_000)));
    }
    // Load-balancer health checks: a new connection from each node every 10 s, logged per minute.
    for (const node of LOAD_BALANCER_NODES) flows.push(...connection(web, node, ephemeral(), web.ip, 80, minute, 36, 6_000));
    // Web → app API.
    flows.push({ on: web, src: web.ip, dst: app.ip, srcPort: ephemeral(), dstPort: 8080, packets: rand.int(20, 200), bytes: rand.int(5_000, 50_000), start: minute, flags: 3 });
  }
  // App ↔ database over a long-lived pool (same client ports all day).
  for (let i = 0; i < 4; i++) {
    flows.push({ on: app, src: app.ip, dst: db.ip, srcPort: 41000 + i, dstPort: 5432, packets: rand.int(10, 400), bytes: rand.int(2_000, 400_000), start: minute });
    flows.push({ on: db, src: db.ip, dst: app.ip, srcPort: 5432, dstPort: 41000 + i, packets: rand.int(10, 400), bytes: rand.int(2_000, 900_000), start: minute });
  }
  // Monitoring scrapes every instance's node exporter each minute.
  for (const target of ALL_INSTANCES) {
    if (target === monitor) continue;
    const port = ephemeral();
    flows.push({ on: monitor, src: monitor.ip, dst: target.ip, srcPort: port, dstPort: 9100, packets: 12, bytes: 30_000, start: minute });
    flows.push({ on: target, src: monitor.ip, dst: target.ip, srcPort: port, dstPort: 9100, packets: 12, bytes: 30_000, start: minute, flags: 3 });
  }
  // Instances call AWS APIs (S3, SSM) through the internet gateway.
  for (const from of [app, web1, backup]) {
    if (rand.chance(0.5)) flows.push(...connection(from, from.ip, ephemeral(), `52.216.${rand.int(0, 255)}.${rand.int(1, 254)}`, 443, minute, rand.int(10, 80), rand.int(4_000, 200_000)));
  }
  // Nightly backup: 02:00–02:45 UTC, ~2 GB a minute to S3.
  const hourOfDay = new Date(minute).getUTCHours();
  const minuteOfHour = new Date(minute).getUTCMinutes();
  if (hourOfDay === 2 && minuteOfHour < 45) {
    for (let s = 0; s < 4; s++) {
      flows.push({ on: backup, src: backup.ip, dst: `52.216.8.${10 + s}`, srcPort: 50_000 + s, dstPort: 443, packets: 380_000, bytes: 520_000_000, start: minute, flags: 3 });
    }
  }
  // Admins: one SSH session a day to the bastion from the office (09:00–10:30), then to the app server.
  if (hourOfDay === 9 || (hourOfDay === 10 && minuteOfHour < 30)) {
    flows.push(...connection(bastion, ADMIN_OFFICE_IP, 52_311, bastion.ip, 22, minute, rand.int(20, 300), rand.int(3_000, 60_000)));
    flows.push(...connection(app, bastion.ip, 40_022, app.ip, 22, minute, rand.int(20, 300), rand.int(3_000, 60_000)));
  }
  // Internet background noise: probes of closed ports, rejected by security groups.
  const probes = Math.round(3 * scale);
  for (let i = 0; i < probes; i++) {
    const target = rand.pick(ALL_INSTANCES);
    flows.push(...connection(target, `203.0.113.${rand.int(100, 254)}`, ephemeral(), target.ip, rand.pick([22, 23, 445, 3389, 5900, 8080, 6379]), minute, 1, 60, 'REJECT'));
  }
  return flows;
}

function attackFlows(minute: number, start: number): Flow[] {
  const flows: Flow[] = [];
  const { bastion, app } = INSTANCES;
  const t = minute - start;
  // 04:10–04:15: an internet host guesses SSH passwords on the bastion (open to the internet).
  if (t >= 4 * HOUR + 10 * MINUTE && t < 4 * HOUR + 15 * MINUTE) {
    for (let i = 0; i < 18; i++) flows.push(...connection(bastion, ATTACK.sshBruteForcer, 40_000 + (t / MINUTE) * 20 + i, bastion.ip, 22, minute, 14, 3_200));
  }
  // 05:00–05:04: the compromised app server brute-forces SSH on an outside host.
  if (t >= 5 * HOUR && t < 5 * HOUR + 4 * MINUTE) {
    for (let i = 0; i < 12; i++) flows.push(...connection(app, app.ip, 45_000 + (t / MINUTE) * 20 + i, ATTACK.bruteForceVictimOutbound, 22, minute, 12, 2_900));
  }
  // 05:30: the app server talks to an address on the custom threat list.
  if (t === 5 * HOUR + 30 * MINUTE) flows.push(...connection(app, app.ip, 51_515, ATTACK.threatListedIp, 443, minute, 40, 48_000));
  return flows;
}

// ---------------------------------------------------------------------------------------------------------
// CloudTrail

interface Principal {
  readonly identity: Record<string, unknown>;
  readonly ip: string;
  readonly agent: string;
}

const user = (name: string, ip: string, agent: string, key: string): Principal => ({
  identity: { type: 'IAMUser', principalId: `AIDA${name.toUpperCase().padEnd(16, 'X')}`, arn: `arn:aws:iam::${ACCOUNT}:user/${name}`, accountId: ACCOUNT, accessKeyId: key, userName: name },
  ip,
  agent,
});

const appRole: Principal = {
  identity: {
    type: 'AssumedRole',
    principalId: `AROAAPPROLEEXAMPLE01:${INSTANCES.app.id}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app-role/${INSTANCES.app.id}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAAPPROLEEXAMPLE01',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAAPPROLEEXAMPLE01', arn: `arn:aws:iam::${ACCOUNT}:role/app-role`, accountId: ACCOUNT, userName: 'app-role' },
      attributes: { creationDate: '2025-01-06T00:00:00Z', mfaAuthenticated: 'false' },
      ec2RoleDelivery: '2.0',
    },
  },
  ip: NAT_GATEWAY_IP,
  agent: 'aws-sdk-java/2.20.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/17',
};

const PRINCIPALS = [
  user('alice', ADMIN_OFFICE_IP, 'console.amazonaws.com', 'ASIAALICECONSOLE0001'),
  user('bob', '198.51.100.6', 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5 exe/x86_64', 'AKIABOBEXAMPLE000001'),
  appRole,
];

const BENIGN_CALLS: readonly [string, string, boolean][] = [
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups', true],
  ['s3.amazonaws.com', 'ListBuckets', true],
  ['s3.amazonaws.com', 'GetBucketLocation', true],
  ['iam.amazonaws.com', 'GetUser', true],
  ['sts.amazonaws.com', 'GetCallerIdentity', true],
  ['logs.amazonaws.com', 'CreateLogStream', false],
  ['ssm.amazonaws.com', 'GetParameter', true],
  ['cloudtrail.amazonaws.com', 'LookupEvents', true],
  ['cloudtrail.amazonaws.com', 'GetTrailStatus', true],
  ['ec2.amazonaws.com', 'CreateTags', false],
  ['kms.amazonaws.com', 'Decrypt', true],
];

function apiRecord(rand: Random, time: number, p: Principal, eventSource: string, eventName: string, readOnly: boolean, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.10',
    userIdentity: p.identity,
    eventTime: new Date(time).toISOString().replace('.000Z', 'Z'),
    eventSource,
    eventName,
    awsRegion: REGION,
    sourceIPAddress: p.ip,
    userAgent: p.agent,
    requestParameters: null,
    responseElements: null,
    requestID: rand.uuid(),
    eventID: rand.uuid(),
    readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: eventSource.replace('amazonaws.com', `${REGION}.amazonaws.com`) },
    ...extra,
  };
}

function serviceRecord(rand: Random, time: number): Record<string, unknown> {
  return {
    eventVersion: '1.10',
    userIdentity: { type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' },
    eventTime: new Date(time).toISOString().replace('.000Z', 'Z'),
    eventSource: 'kms.amazonaws.com',
    eventName: 'GenerateDataKey',
    awsRegion: REGION,
    sourceIPAddress: rand.pick(['autoscaling.amazonaws.com', 'AWS Internal']),
    userAgent: 'autoscaling.amazonaws.com',
    requestParameters: { keySpec: 'AES_256' },
    responseElements: null,
    eventID: rand.uuid(),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
}

function benignApiCalls(rand: Random, hour: number, scale: number): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  const count = Math.round(40 * scale);
  for (let i = 0; i < count; i++) {
    const time = hour + rand.int(0, HOUR - 1000);
    if (rand.chance(0.15)) {
      records.push(serviceRecord(rand, time));
      continue;
    }
    const p = rand.pick(PRINCIPALS);
    const [source, name, readOnly] = rand.pick(BENIGN_CALLS);
    records.push(apiRecord(rand, time, p, source, name, readOnly));
  }
  // alice signs in to the console each morning with MFA.
  if (new Date(hour).getUTCHours() === 8) {
    const alice = PRINCIPALS[0]!;
    records.push(
      apiRecord(rand, hour + 5 * MINUTE, alice, 'signin.amazonaws.com', 'ConsoleLogin', false, {
        eventType: 'AwsConsoleSignIn',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
        responseElements: { ConsoleLogin: 'Success' },
        additionalEventData: { LoginTo: 'https://console.aws.amazon.com/', MobileVersion: 'No', MFAUsed: 'Yes' },
      }),
    );
  }
  return records;
}

function attackApiCalls(rand: Random, hour: number, start: number): Record<string, unknown>[] {
  const t = hour - start;
  const records: Record<string, unknown>[] = [];
  if (t === 3 * HOUR) {
    // Someone uses the root user: console sign-in, then a look at the buckets.
    const root: Principal = { identity: { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT, accessKeyId: 'ASIAROOTSESSION00001' }, ip: ADMIN_OFFICE_IP, agent: 'Mozilla/5.0 (Macintosh)' };
    records.push(
      apiRecord(rand, hour + 2 * MINUTE, root, 'signin.amazonaws.com', 'ConsoleLogin', false, { eventType: 'AwsConsoleSignIn', responseElements: { ConsoleLogin: 'Success' }, additionalEventData: { MFAUsed: 'No' } }),
    );
    records.push(apiRecord(rand, hour + 4 * MINUTE, root, 's3.amazonaws.com', 'ListBuckets', true));
  }
  if (t === 6 * HOUR) {
    // A stolen access key, used from an address on the threat list: look around, then blind CloudTrail.
    const mallory = { ...user('deploy-bot', ATTACK.threatListedIp, 'aws-cli/2.9.0 Python/3.9.11 Linux/5.15 exe/x86_64.kali.2022', 'AKIADEPLOYBOTKEY0001') };
    records.push(apiRecord(rand, hour + MINUTE, mallory, 'sts.amazonaws.com', 'GetCallerIdentity', true));
    records.push(apiRecord(rand, hour + 2 * MINUTE, mallory, 'ec2.amazonaws.com', 'DescribeInstances', true));
    records.push(apiRecord(rand, hour + 3 * MINUTE, mallory, 'cloudtrail.amazonaws.com', 'StopLogging', false, { requestParameters: { name: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/management` } }));
    records.push(apiRecord(rand, hour + 4 * MINUTE, mallory, 'iam.amazonaws.com', 'CreateAccessKey', false, { requestParameters: { userName: 'deploy-bot' } }));
  }
  return records;
}

// ---------------------------------------------------------------------------------------------------------
// Route 53 Resolver query logs

const BENIGN_NAMES = [
  's3.amazonaws.com.',
  'ssm.us-east-1.amazonaws.com.',
  'ec2messages.us-east-1.amazonaws.com.',
  'sts.us-east-1.amazonaws.com.',
  'logs.us-east-1.amazonaws.com.',
  'deb.debian.org.',
  'security.debian.org.',
  'github.com.',
  'registry.npmjs.org.',
  'db.internal.example.',
  'api.internal.example.',
  'ntp.ubuntu.com.',
];

function dnsEntry(rand: Random, time: number, from: Instance, name: string, type = 'A', rcode = 'NOERROR'): Record<string, unknown> {
  return {
    version: '1.100000',
    account_id: ACCOUNT,
    region: REGION,
    vpc_id: VPC,
    query_timestamp: new Date(time).toISOString().replace('.000Z', 'Z'),
    query_name: name,
    query_type: type,
    query_class: 'IN',
    rcode,
    answers: rcode === 'NOERROR' ? [{ Rdata: `52.216.${rand.int(0, 255)}.${rand.int(1, 254)}`, Type: 'A', Class: 'IN' }] : [],
    srcaddr: from.ip,
    srcport: String(rand.int(32768, 60999)),
    transport: 'UDP',
    srcids: { instance: from.id },
  };
}

function benignQueries(rand: Random, minute: number, scale: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const n = Math.round(5 * scale);
  for (let i = 0; i < n; i++) out.push(dnsEntry(rand, minute + rand.int(0, MINUTE - 1000), rand.pick(ALL_INSTANCES), rand.pick(BENIGN_NAMES)));
  return out;
}

function attackQueries(rand: Random, minute: number, start: number): Record<string, unknown>[] {
  const t = minute - start;
  const { app } = INSTANCES;
  if (t === 5 * HOUR + 31 * MINUTE) {
    return [
      dnsEntry(rand, minute + 1_000, app, `${ATTACK.c2Domain}.`, 'TXT', 'NXDOMAIN'),
      dnsEntry(rand, minute + 2_000, app, `${ATTACK.guardDutyTestDomain}.`),
      dnsEntry(rand, minute + 3_000, app, `${ATTACK.customListedDomain}.`),
    ];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------------
// Files

const stamp = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, '') + 'Z';
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '/');

/**
 * Generates the corpus hour by hour: per hour one CloudTrail file, one file per flow log (the VPC's default
 * v2 log and the web subnet's v5 log) and one Resolver query log file.
 */
export function* generateCorpus(options: CorpusOptions = {}): Generator<CorpusFile> {
  const start = options.start ?? DEFAULT_START;
  const hours = options.hours ?? 24;
  const scale = options.scale ?? 1;
  const rand = new Random(mulberry32(options.seed ?? 20250106));
  for (let h = 0; h < hours; h++) {
    const hour = start + h * HOUR;
    const unique = rand.hex(16).toUpperCase();

    const trail = benignApiCalls(rand, hour, scale * (options.apiScale ?? 1));
    if (options.attacks) trail.push(...attackApiCalls(rand, hour, start));
    trail.sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)));
    yield {
      path: `cloudtrail/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${day(hour)}/${ACCOUNT}_CloudTrail_${REGION}_${stamp(hour + HOUR)}_${unique}.json.gz`,
      source: 'cloudtrail',
      records: trail.length,
      content: gzipSync(JSON.stringify({ Records: trail })),
    };

    const v2: string[] = [V2_HEADER];
    const v5: string[] = [V5_HEADER];
    const queries: string[] = [];
    for (let m = 0; m < 60; m++) {
      const minute = hour + m * MINUTE;
      const flows = benignFlows(rand, minute, scale);
      if (options.attacks) flows.push(...attackFlows(minute, start));
      for (const f of flows) (f.on.v5 ? v5 : v2).push(flowLine(f));
      if (m % 20 === 0) v2.push(`2 ${ACCOUNT} ${INSTANCES.db.eni} - - - - - - - ${Math.floor(minute / 1000)} ${Math.floor(minute / 1000) + 60} - NODATA`);
      for (const q of benignQueries(rand, minute, scale)) queries.push(JSON.stringify(q));
      if (options.attacks) for (const q of attackQueries(rand, minute, start)) queries.push(JSON.stringify(q));
    }
    yield {
      path: `vpcflow/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${day(hour)}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-0vpcmain000000001_${stamp(hour + HOUR)}_${unique.slice(0, 8).toLowerCase()}.log.gz`,
      source: 'vpcflow',
      records: v2.length - 1,
      content: gzipSync(v2.join('\n') + '\n'),
    };
    yield {
      path: `vpcflow/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${day(hour)}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-0websubnet0000001_${stamp(hour + HOUR)}_${unique.slice(8).toLowerCase()}.log.gz`,
      source: 'vpcflow',
      records: v5.length - 1,
      content: gzipSync(v5.join('\n') + '\n'),
    };
    yield {
      path: `dns/AWSLogs/${ACCOUNT}/vpcdnsquerylogs/${VPC}/${day(hour)}/${VPC}_vpcdnsquerylogs_${ACCOUNT}_${stamp(hour + HOUR)}_${unique.slice(4, 12).toLowerCase()}.log.gz`,
      source: 'dns',
      records: queries.length,
      content: gzipSync(queries.join('\n') + '\n'),
    };
  }
}

/**
 * The account's instances as `aws ec2 describe-instances` prints them, for `vigil scan --inventory`: it maps
 * the interfaces that flow logs name to the instances, names and tags findings show.
 */
export function describeInstances(): unknown {
  return {
    Reservations: ALL_INSTANCES.map((i, n) => ({
      ReservationId: `r-0${(n + 1).toString(16).padStart(16, '0')}`,
      OwnerId: ACCOUNT,
      Instances: [
        {
          InstanceId: i.id,
          InstanceType: i.name.startsWith('db') ? 'r6g.large' : 't4g.medium',
          ImageId: 'ami-0a1b2c3d4e5f60789',
          LaunchTime: '2025-01-01T08:00:00+00:00',
          Placement: { AvailabilityZone: 'us-east-1a' },
          State: { Code: 16, Name: 'running' },
          PrivateIpAddress: i.ip,
          Tags: [{ Key: 'Name', Value: i.name }],
          NetworkInterfaces: [
            {
              NetworkInterfaceId: i.eni,
              PrivateIpAddress: i.ip,
              PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: i.ip, PrivateDnsName: `ip-${i.ip.replace(/\./g, '-')}.ec2.internal` }],
              Groups: [{ GroupId: `sg-0${i.name.replace(/[^a-z0-9]/g, '')}`, GroupName: i.name }],
              SubnetId: i.subnet,
              VpcId: VPC,
            },
          ],
        },
      ],
    })),
  };
}
