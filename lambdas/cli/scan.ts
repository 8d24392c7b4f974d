/**
 * `vigil scan`: run the engine over log files on disk, keep the findings in the embedded store, print them.
 *
 * Standard output carries only the findings (table, one JSON array, or JSON lines); everything else (the
 * summary, input problems, progress) goes to standard error, so `vigil scan … --format json | jq` works.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import { lazyGeoEnricher } from '../adapters/geo-data';
import { InventoryFile } from '../adapters/inventory-file';
import { LocalStore } from '../adapters/local-store';
import { DETECTORS } from '../detectors';
import type { FindingEnricher } from '../engine/enrichment';
import { Engine, type DetectorSettings, type FindingChange } from '../engine/engine';
import { LOG_SOURCES, type LogSource } from '../engine/events';
import { severityLevel, type Finding, type SeverityLevel } from '../engine/finding';
import { IssueCounter, type ParseIssue } from '../engine/issues';
import { EventDeduplicator, runInput } from '../engine/pipeline';
import { parseSuppressionRule, type SuppressionRule } from '../engine/suppression';
import { addBuiltinTestIndicators } from '../intel/defaults/guardduty-test-domains';
import { IntelRegistryBuilder } from '../intel/registry';
import { CUSTOM_CATEGORY, type IntelLookup } from '../intel/types';
import { parseLogStream } from '../parsers';
import { discoverInputs, fileToken, type InputError } from './inputs';
import { findingsTable } from './render';

export type OutputFormat = 'table' | 'json' | 'jsonl';

export interface ScanOptions {
  readonly paths: readonly string[];
  readonly threatLists: readonly string[];
  readonly trustedLists: readonly string[];
  /** `CATEGORY=FILE` pairs, already validated. */
  readonly intel: readonly { readonly category: string; readonly file: string }[];
  readonly suppressionRules?: string;
  readonly store: string;
  readonly format: OutputFormat;
  readonly minSeverity: number;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly flowFormat?: string;
  readonly strict: boolean;
  readonly settings: DetectorSettings;
  readonly progress: boolean;
  /** `aws ec2 describe-instances` JSON: maps flow-log interfaces to instances and fills instance details. */
  readonly inventory?: string;
  /** Add country and network owner to remote addresses (offline data). */
  readonly geo: boolean;
  /** A MaxMind-format city database, for city and coordinates. */
  readonly geoCity?: string;
}

export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** A problem that ends the run with exit status 1 (`--strict`, an unreadable list, a broken store). */
export class FatalScanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalScanError';
  }
}

export interface ScanSummary {
  readonly files: number;
  readonly filesSkippedAsSeen: number;
  readonly events: Record<LogSource, number>;
  readonly duplicates: number;
  readonly rejected: IssueCounter;
  readonly findings: Finding[];
  readonly elapsedMs: number;
}

/** Runs a scan; returns the summary (the caller prints it and picks the exit status). */
export async function scan(options: ScanOptions, io: Io, clock: () => number = () => performance.now()): Promise<ScanSummary> {
  const started = clock();
  const intel = await loadIntel(options, io);
  const rules = options.suppressionRules ? await loadSuppressionRules(options.suppressionRules) : [];
  const inputErrors: InputError[] = [];
  const files = await discoverInputs(options.paths, (e) => inputErrors.push(e));
  const rejected = new IssueCounter();
  for (const e of inputErrors) {
    if (options.strict) throw new FatalScanError(e.message, { cause: e });
    rejected.add('unreadable-input');
    io.stderr.write(`vigil: ${e.message}\n`);
  }

  const inventory = options.inventory
    ? await InventoryFile.load(options.inventory).catch((cause: Error) => {
        throw new FatalScanError(cause.message, { cause });
      })
    : undefined;
  const enrichers: FindingEnricher[] = [
    ...(inventory ? [inventory] : []),
    ...(options.geo ? [lazyGeoEnricher(options.geoCity ? { cityDatabase: options.geoCity } : {}, (e) => io.stderr.write(`vigil: ${e.message}\n`))] : []),
  ];

  const store = LocalStore.open(options.store);
  try {
    const engine = new Engine({
      detectors: DETECTORS,
      ...(inventory ? { interfaces: inventory } : {}),
      enrichers,
      state: store,
      findings: store,
      ledger: store,
      intel,
      suppressionRules: rules,
      settings: options.settings,
      scope: { accountId: options.accountId, region: options.region, partition: options.partition },
    });
    const dedupe = new EventDeduplicator();
    const events = Object.fromEntries(LOG_SOURCES.map((s) => [s, 0])) as Record<LogSource, number>;
    const changes = new Map<string, FindingChange>();
    let duplicates = 0;
    let seenBefore = 0;
    const bar = options.progress ? new SingleBar({ stream: io.stderr as NodeJS.WritableStream, format: 'scanning [{bar}] {percentage}% | {value}/{total} files | {file}', hideCursor: true }) : undefined;
    bar?.start(files.length, 0, { file: '' });

    for (const file of files) {
      bar?.update({ file: basename(file.path) });
      const onIssue = (issue: ParseIssue) => {
        if (options.strict) throw new FatalScanError(`${describeLocation(issue)}: ${issue.reason}: ${issue.message}`);
        if (issue.reason !== 'skipdata') io.stderr.write(`vigil: ${describeLocation(issue)}: ${issue.reason}: ${issue.message}\n`);
      };
      let token: string;
      try {
        token = await fileToken(file.path);
      } catch (cause) {
        if (options.strict) throw new FatalScanError(`cannot read ${file.path}`, { cause });
        rejected.add('unreadable-input');
        io.stderr.write(`vigil: cannot read ${file.path}: ${(cause as Error).message}\n`);
        continue;
      }
      const result = await runInput(engine, parseLogStream(createReadStream(file.path), { input: file.path, ...(options.flowFormat ? { flowFormat: options.flowFormat } : {}) }), {
        token,
        dedupe,
        onIssue,
      });
      for (const source of LOG_SOURCES) events[source] += result.eventsBySource[source];
      for (const [reason, n] of Object.entries(result.issues.toJSON())) rejected.add(reason as Parameters<IssueCounter['add']>[0], n);
      duplicates += result.duplicates;
      if (result.batches > 0 && result.skippedBatches === result.batches) seenBefore++;
      for (const change of result.changes) changes.set(change.finding.id, change);
      for (const error of result.detectorErrors) io.stderr.write(`vigil: detector ${error.detectorId} failed${error.origin ? ` at ${describeOrigin(error.origin)}` : ''}: ${String(error.error)}\n`);
      bar?.increment();
    }
    bar?.stop();

    const findings = [...changes.values()]
      .filter((c) => c.publish && c.finding.severity >= options.minSeverity)
      .map((c) => c.finding)
      .sort((a, b) => b.severity - a.severity || a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
    return { files: files.length, filesSkippedAsSeen: seenBefore, events, duplicates, rejected, findings, elapsedMs: clock() - started };
  } finally {
    store.close();
  }
}

/** Writes the findings to stdout in the chosen format. */
export function writeFindings(findings: readonly Finding[], format: OutputFormat, io: Io): void {
  if (format === 'json') io.stdout.write(JSON.stringify(findings, null, 2) + '\n');
  else if (format === 'jsonl') for (const f of findings) io.stdout.write(JSON.stringify(f) + '\n');
  else io.stdout.write(findingsTable(findings));
}

/** The human summary on stderr. */
export function writeSummary(summary: ScanSummary, io: Io): void {
  const totalEvents = LOG_SOURCES.reduce((n, s) => n + summary.events[s], 0);
  const seconds = summary.elapsedMs / 1000;
  const bySeverity: Record<SeverityLevel, number> = { Critical: 0, High: 0, Medium: 0, Low: 0 };
  for (const f of summary.findings) bySeverity[severityLevel(f.severity)]++;
  const rejected = Object.entries(summary.rejected.toJSON());
  const lines = [
    `Scanned ${summary.files} file(s)${summary.filesSkippedAsSeen ? ` (${summary.filesSkippedAsSeen} already in the store)` : ''} in ${seconds.toFixed(2)} s`,
    `  events: ${totalEvents} (cloudtrail ${summary.events.cloudtrail}, vpcflow ${summary.events.vpcflow}, dns ${summary.events.dns})${summary.duplicates ? `, ${summary.duplicates} duplicate(s) dropped` : ''}`,
    `  rate: ${seconds > 0 ? Math.round(totalEvents / seconds) : totalEvents} events/s`,
    `  rejected: ${rejected.length === 0 ? 'none' : rejected.map(([reason, n]) => `${reason} ${n}`).join(', ')}`,
    `  findings: ${summary.findings.length} (High ${bySeverity.High + bySeverity.Critical}, Medium ${bySeverity.Medium}, Low ${bySeverity.Low})`,
  ];
  io.stderr.write(lines.join('\n') + '\n');
}

async function loadIntel(options: ScanOptions, io: Io): Promise<IntelLookup> {
  const builder = new IntelRegistryBuilder();
  addBuiltinTestIndicators(builder);
  const lists = [
    ...options.threatLists.map((file) => ({ file, category: CUSTOM_CATEGORY, kind: 'threat' as const })),
    ...options.trustedLists.map((file) => ({ file, category: 'trusted', kind: 'trusted' as const })),
    ...options.intel.map(({ category, file }) => ({ file, category, kind: 'threat' as const })),
  ];
  for (const list of lists) {
    let bytes: Buffer;
    try {
      bytes = await readFile(list.file);
    } catch (cause) {
      throw new FatalScanError(`cannot read list ${list.file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
    }
    const name = basename(list.file, extname(list.file));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let report;
    try {
      report = builder.add({ name, category: list.category, kind: list.kind, text: bytes.toString('utf8'), sha256 });
    } catch (cause) {
      throw new FatalScanError(`${list.file}: ${(cause as Error).message}`, { cause });
    }
    for (const issue of report.issues.slice(0, 20)) {
      io.stderr.write(`vigil: ${list.file}${issue.line !== undefined ? `:${issue.line}` : issue.index !== undefined ? ` object ${issue.index}` : ''}: ${issue.message}\n`);
    }
    if (report.issueCount > 20) io.stderr.write(`vigil: ${list.file}: ${report.issueCount - 20} more bad entries\n`);
  }
  return builder.build();
}

async function loadSuppressionRules(path: string): Promise<SuppressionRule[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new FatalScanError(`cannot read suppression rules ${path}: ${(cause as Error).message}`, { cause });
  }
  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) throw new FatalScanError(`${path}: expected a JSON array of rules (or {"rules": [...]})`);
  try {
    return rules.map((r, i) => parseSuppressionRule(r, i));
  } catch (cause) {
    throw new FatalScanError(`${path}: ${(cause as Error).message}`, { cause });
  }
}

function describeOrigin(origin: { input: string; line?: number; index?: number; offset?: number }): string {
  if (origin.line !== undefined) return `${origin.input}:${origin.line}`;
  if (origin.index !== undefined) return `${origin.input} record ${origin.index}`;
  if (origin.offset !== undefined) return `${origin.input} byte ${origin.offset}`;
  return origin.input;
}

function describeLocation(issue: ParseIssue): string {
  return describeOrigin(issue.origin);
}
