/**
 * Flow-log benchmark: `tsx bench/network.ts` (part of `npm run bench`).
 *
 * Generates one large VPC flow log (default 5,000,000 records; bench/.corpus, reused when present) shaped
 * like a busy internet-facing fleet, where most remote addresses are seen once:
 * - web servers answering clients from random internet addresses (request and response records),
 * - internet noise rejected by security groups (random addresses and ports),
 * - instances calling a pool of API endpoints, and some random internet hosts, over HTTPS,
 * - NTP to a few public servers, east–west traffic between private addresses, and a little SSH.
 * Then measures, each in a fresh process (bench/measure.ts): parse-only, and end to end through parsing,
 * every detector (all the flow-log ones see every record), a 250,000-entry threat list and the embedded
 * SQLite store. Prints records per second for both and the end-to-end peak memory (RSS).
 *
 * Options: BENCH_NETWORK_RECORDS (default 5,000,000), BENCH_NETWORK_INSTANCES (default 60).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { constants, createGzip } from 'node:zlib';
import { mulberry32 } from '../scripts/prng';

const records = Number(process.env.BENCH_NETWORK_RECORDS ?? 5_000_000);
const instances = Number(process.env.BENCH_NETWORK_INSTANCES ?? 60);
const corpus = join(__dirname, '.corpus', `network-${records}-${instances}`);
const file = join(corpus, 'vpcflow', '111122223333_vpcflowlogs_us-east-1_fl-0bench0000000001_20250106T0000Z_bench.log.gz');

const ACCOUNT = '111122223333';
const START_SECONDS = Date.UTC(2025, 0, 6) / 1000;
/** Records per second of event time: 5 million records span about four hours. */
const RECORDS_PER_SECOND = 350;


// First octets of ordinary unicast space (no private, CGNAT, loopback, link-local, documentation, multicast).
const PUBLIC_FIRST_OCTETS = Array.from({ length: 223 }, (_, i) => i + 1).filter((o) => ![10, 100, 127, 169, 172, 192, 198, 203].includes(o));

async function generate(): Promise<void> {
  const random = mulberry32(20250106);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const publicIp = () => `${PUBLIC_FIRST_OCTETS[int(0, PUBLIC_FIRST_OCTETS.length - 1)]}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  const fleet = Array.from({ length: instances }, (_, i) => ({ eni: `eni-0${(0x1000 + i).toString(16).padStart(16, '0')}`, ip: `10.0.${1 + (i >> 6)}.${10 + (i & 63)}` }));
  const apiPool = Array.from({ length: 5_000 }, publicIp);
  const ntpPool = Array.from({ length: 8 }, publicIp);

  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const gzip = createGzip({ level: constants.Z_BEST_SPEED });
  const out = createWriteStream(partial);
  gzip.pipe(out);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
    gzip.on('error', reject);
  });

  let buffer = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';
  let written = 0;
  const line = (eni: string, src: string, dst: string, sport: number, dport: number, protocol: number, packets: number, bytes: number, start: number, action: string) => {
    buffer += `2 ${ACCOUNT} ${eni} ${src} ${dst} ${sport} ${dport} ${protocol} ${packets} ${bytes} ${start} ${start + 60} ${action} OK\n`;
    written++;
  };
  while (written < records) {
    const start = START_SECONDS + Math.floor(written / RECORDS_PER_SECOND);
    const host = fleet[int(0, fleet.length - 1)]!;
    const roll = random();
    const eph = int(32_768, 60_999);
    if (roll < 0.5) {
      // A web client from anywhere: request and response.
      const client = publicIp();
      const packets = int(6, 40);
      line(host.eni, client, host.ip, eph, 443, 6, packets, packets * int(60, 200), start, 'ACCEPT');
      line(host.eni, host.ip, client, 443, eph, 6, packets, packets * int(300, 1_400), start, 'ACCEPT');
    } else if (roll < 0.68) {
      // Internet noise on closed ports, rejected at the security group.
      line(host.eni, publicIp(), host.ip, eph, int(1, 10_000), 6, 1, 44, start, 'REJECT');
    } else if (roll < 0.83) {
      // API calls to a pool of endpoints.
      const endpoint = apiPool[int(0, apiPool.length - 1)]!;
      const packets = int(8, 60);
      line(host.eni, host.ip, endpoint, eph, 443, 6, packets, packets * int(100, 400), start, 'ACCEPT');
      line(host.eni, endpoint, host.ip, 443, eph, 6, packets, packets * int(500, 1_400), start, 'ACCEPT');
    } else if (roll < 0.88) {
      // HTTPS to hosts seen once (webhooks, crawled sites).
      const remote = publicIp();
      line(host.eni, host.ip, remote, eph, 443, 6, int(10, 40), int(2_000, 20_000), start, 'ACCEPT');
      line(host.eni, remote, host.ip, 443, eph, 6, int(10, 40), int(5_000, 60_000), start, 'ACCEPT');
    } else if (roll < 0.91) {
      line(host.eni, host.ip, ntpPool[int(0, ntpPool.length - 1)]!, 123, 123, 17, 1, 76, start, 'ACCEPT');
    } else if (roll < 0.99) {
      // East–west: no direction in v2 records between private addresses.
      const peer = fleet[int(0, fleet.length - 1)]!;
      line(host.eni, host.ip, peer.ip, eph, int(0, 1) === 0 ? 5432 : 8080, 6, int(5, 200), int(500, 200_000), start, 'ACCEPT');
    } else {
      // An admin's SSH session from the office.
      line(host.eni, '198.51.100.5', host.ip, 52_311, 22, 6, int(20, 300), int(3_000, 60_000), start, 'ACCEPT');
    }
    if (buffer.length > 1 << 20) {
      if (!gzip.write(buffer)) await new Promise((resolve) => gzip.once('drain', resolve));
      buffer = '';
    }
  }
  gzip.end(buffer);
  await done;
  renameSync(partial, file);
}

interface Measurement {
  readonly events: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly maxRssMiB: number;
}

function measure(mode: 'parse' | 'scan'): Measurement {
  const output = execFileSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'measure.ts'), mode, 'vpcflow', corpus], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').pop()!) as Measurement;
}

async function main(): Promise<void> {
  if (!existsSync(file)) {
    process.stderr.write(`generating ${records.toLocaleString('en-US')} flow records for ${instances} instances in ${file}…\n`);
    await generate();
  }
  const parse = measure('parse');
  const scan = measure('scan');
  const rows = [
    ['flow log', 'records', 'MB gz', 'parse-only rec/s', 'end-to-end rec/s', 'ratio', 'peak RSS (end to end)'],
    [
      `${instances} instances, mostly distinct remotes`,
      scan.events.toLocaleString('en-US'),
      (parse.bytes / 1e6).toFixed(1),
      parse.eventsPerSecond.toLocaleString('en-US'),
      scan.eventsPerSecond.toLocaleString('en-US'),
      (scan.eventsPerSecond / parse.eventsPerSecond).toFixed(2),
      `${scan.maxRssMiB} MiB`,
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
