/**
 * One benchmark measurement in a fresh process (so peak memory belongs to it alone):
 *   tsx bench/measure.ts <parse|scan> <source> <corpus dir>
 * Prints one JSON line: { mode, source, files, bytes, events, seconds, cpuSeconds, eventsPerSecond,
 * eventsPerCpuSecond, maxRssMiB }. CPU time is steadier than wall time on a shared machine.
 */
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../lambdas/adapters/local-store';
import { DETECTORS } from '../lambdas/detectors';
import { Engine } from '../lambdas/engine/engine';
import { EventDeduplicator, runInput } from '../lambdas/engine/pipeline';
import { IntelRegistryBuilder } from '../lambdas/intel/registry';
import { parseLogStream } from '../lambdas/parsers';
import { fileToken } from '../lambdas/cli/inputs';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out.sort();
}

function cpuSeconds(): number {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1e6;
}

async function main(): Promise<void> {
  const [mode, source, corpus] = process.argv.slice(2) as [string, string, string];
  const files = filesUnder(join(corpus, source));
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  let started = performance.now();
  let cpuStarted = cpuSeconds();
  let events = 0;
  if (mode === 'parse') {
    for (const file of files) {
      for await (const chunk of parseLogStream(createReadStream(file), { input: file })) {
        for (const r of chunk.results) if (r.ok) events++;
      }
    }
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
    const store = LocalStore.open(join(dir, 'bench.db'));
    const intel = new IntelRegistryBuilder();
    // A realistic custom threat list: 250,000 addresses and networks, none of which the corpus hits.
    const lines: string[] = [];
    for (let i = 0; i < 250_000; i++) lines.push(i % 10 === 0 ? `45.${(i >> 16) & 255}.${(i >> 8) & 255}.0/24` : `45.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    intel.add({ name: 'bench-threats', category: 'custom', kind: 'threat', text: lines.join('\n') });
    const threats = intel.build();
    started = performance.now(); // list loading is start-up, not per-event work
    cpuStarted = cpuSeconds();
    const engine = new Engine({ detectors: DETECTORS, state: store, findings: store, ledger: store, intel: threats, scope: { accountId: '111122223333', region: 'us-east-1', partition: 'aws' } });
    const dedupe = new EventDeduplicator();
    for (const file of files) {
      const result = await runInput(engine, parseLogStream(createReadStream(file), { input: file }), { token: await fileToken(file), dedupe });
      events += result.events;
    }
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds() - cpuStarted;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ mode, source, files: files.length, bytes, events, seconds, cpuSeconds: cpu, eventsPerSecond: Math.round(events / seconds), eventsPerCpuSecond: Math.round(events / cpu), maxRssMiB: Math.round(maxRssMiB) }) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
