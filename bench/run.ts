/**
 * `npm run bench`: throughput of the whole engine next to a parse-only baseline, per log source.
 *
 * It generates a corpus (bench/.corpus, ignored by git; reused when present) with the same generator as the
 * samples, then for each source measures, each in its own process:
 * - parse: read + gunzip + parse every file of the source (the floor any detector pipeline pays);
 * - scan: the same files end to end through parsing, every detector, a 250,000-entry threat list and the
 *   embedded SQLite store, as `vigil scan` runs them.
 * Options: BENCH_SCALE (background volume multiplier, default 8), BENCH_HOURS (default 24), BENCH_API_SCALE
 * (extra CloudTrail volume, default 50).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateCorpus } from '../scripts/corpus';

const scale = Number(process.env.BENCH_SCALE ?? 8);
const hours = Number(process.env.BENCH_HOURS ?? 24);
const apiScale = Number(process.env.BENCH_API_SCALE ?? 50);
const corpus = join(__dirname, '.corpus', `scale-${scale}-api-${apiScale}-hours-${hours}`);

if (!existsSync(corpus)) {
  process.stderr.write(`generating corpus (scale ${scale}, ${hours} h) in ${corpus}…\n`);
  for (const file of generateCorpus({ scale, apiScale, hours, attacks: true, start: Date.UTC(2025, 0, 6) })) {
    const path = join(corpus, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
}

interface Measurement {
  mode: string;
  source: string;
  files: number;
  bytes: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  maxRssMiB: number;
}

function measure(mode: 'parse' | 'scan', source: string): Measurement {
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'measure.ts'), mode, source, corpus], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as Measurement;
}

const rows: string[][] = [['source', 'events', 'MB gz', 'parse-only ev/s', 'end-to-end ev/s', 'ratio', 'end-to-end ev/CPU-s', 'peak RSS (scan)']];
for (const source of ['cloudtrail', 'vpcflow', 'dns']) {
  const parse = measure('parse', source);
  const scan = measure('scan', source);
  rows.push([
    source,
    String(scan.events),
    (parse.bytes / 1e6).toFixed(1),
    parse.eventsPerSecond.toLocaleString('en-US'),
    scan.eventsPerSecond.toLocaleString('en-US'),
    (scan.eventsPerSecond / parse.eventsPerSecond).toFixed(2),
    scan.eventsPerCpuSecond.toLocaleString('en-US'),
    `${scan.maxRssMiB} MiB`,
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n') + '\n');

// The flow-log benchmark of the network detectors: a 5-million-record file of mostly distinct addresses.
if (process.env.BENCH_NETWORK !== '0') execFileSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'network.ts')], { stdio: 'inherit' });
