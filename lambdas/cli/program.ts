/**
 * The `vigil` command line: `scan` and `findings` (and `blocks` when response is built in).
 *
 * Exit status: 0 on success, with or without findings; 2 on a usage error; 1 on a fatal error.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LocalStore } from '../adapters/local-store';
import { intelCategories } from '../detectors';
import { parseSeverity } from '../engine/finding';
import type { DetectorSettings } from '../engine/engine';
import { findingsTable } from './render';
import { scan, writeFindings, writeSummary, FatalScanError, type Io, type OutputFormat } from './scan';

export const DEFAULT_STORE = '.vigil/vigil.db';

/** A usage error found after commander's own checks (e.g. an unknown intel category). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function severityOption(value: string): number {
  const n = parseSeverity(value);
  if (n === undefined) throw new InvalidArgumentError('expected a number 0–10 or low, medium, high, critical');
  return n;
}

function parseIntel(values: readonly string[]): { category: string; file: string }[] {
  const valid = intelCategories();
  return values.map((value) => {
    const eq = value.indexOf('=');
    const category = eq > 0 ? value.slice(0, eq) : '';
    const file = eq > 0 ? value.slice(eq + 1) : '';
    if (!category || !file) throw new UsageError(`--intel expects CATEGORY=FILE, got "${value}"`);
    if (!valid.includes(category)) throw new UsageError(`unknown intel category "${category}"; valid categories: ${valid.join(', ')}`);
    return { category, file };
  });
}

/** `--set brute-force.threshold=30` → settings by detector id. Numbers and booleans are converted. */
function parseSettings(values: readonly string[]): DetectorSettings {
  const settings: Record<string, Record<string, number | string | boolean>> = {};
  for (const value of values) {
    const match = /^([a-z0-9-]+)\.([A-Za-z0-9]+)=(.*)$/.exec(value);
    if (!match) throw new UsageError(`--set expects DETECTOR.SETTING=VALUE, got "${value}"`);
    const [, detector, name, raw] = match as unknown as [string, string, string, string];
    const parsed = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    (settings[detector] ??= {})[name] = parsed;
  }
  return settings;
}

/** Builds the program. `extend` lets optional modules (e.g. response) add their commands. */
export function buildProgram(io: Io, setExitCode: (code: number) => void, extend: ((program: Command) => void)[] = []): Command {
  const program = new Command('vigil')
    .description('Serverless threat detection for AWS: GuardDuty-format findings from CloudTrail, VPC Flow Logs and Route 53 Resolver query logs.')
    .version('0.1.0')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError();

  program
    .command('scan')
    .description('Scan log files and folders (any mix of CloudTrail, VPC Flow Logs and Resolver query logs, .gz or plain).')
    .argument('<path...>', 'files or folders (searched recursively)')
    .option('--threat-list <file>', 'custom threat list (GuardDuty TXT format: IPs, CIDRs or domains); repeatable', collect, [])
    .option('--trusted-list <file>', 'trusted IP list: no CloudTrail or flow findings for these addresses; repeatable', collect, [])
    .option('--intel <category=file>', `categorized feed (${intelCategories().join(', ')}); repeatable`, collect, [])
    .option('--suppression-rules <file>', 'JSON array of suppression rules (GuardDuty filter criteria, action ARCHIVE)')
    .option('--store <file>', 'findings store file, or :memory: to keep nothing', DEFAULT_STORE)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'jsonl']).default('table'))
    .option('--min-severity <n>', 'only print findings at or above this severity (number or level)', severityOption, 0)
    .option('--account-id <id>', 'account for findings whose logs do not name one', '000000000000')
    .option('--region <region>', 'region for findings whose logs do not name one', 'us-east-1')
    .option('--partition <partition>', 'ARN partition of the findings', 'aws')
    .option('--flow-format <format>', 'flow log format string for files without a header line')
    .option('--inventory <file>', 'instances from "aws ec2 describe-instances": maps flow-log interfaces to instances')
    .option('--geo-city <file>', 'MaxMind-format city database, for city and coordinates of remote addresses')
    .option('--no-geo', 'do not add country and network owner to remote addresses')
    .option('--set <detector.setting=value>', 'override a detector setting (e.g. brute-force.threshold=30); repeatable', collect, [])
    .option('--strict', 'treat unreadable or malformed input as fatal', false)
    .option('--no-progress', 'never show a progress bar')
    .action(async (paths: string[], opts) => {
      const accountId = String(opts.accountId);
      if (!/^\d{12}$/.test(accountId)) throw new UsageError(`--account-id must be 12 digits, got "${accountId}"`);
      const summary = await scan(
        {
          paths,
          threatLists: opts.threatList,
          trustedLists: opts.trustedList,
          intel: parseIntel(opts.intel),
          suppressionRules: opts.suppressionRules,
          store: opts.store,
          format: opts.format as OutputFormat,
          minSeverity: opts.minSeverity,
          accountId,
          region: opts.region,
          partition: opts.partition,
          flowFormat: opts.flowFormat,
          strict: opts.strict,
          settings: parseSettings(opts.set),
          progress: opts.progress !== false && io.stderr.isTTY === true,
          inventory: opts.inventory,
          geo: opts.geo !== false,
          geoCity: opts.geoCity,
        },
        io,
      );
      writeFindings(summary.findings, opts.format as OutputFormat, io);
      writeSummary(summary, io);
      if (opts.strict && summary.rejected.total > 0) setExitCode(1);
    });

  const findings = program.command('findings').description('Work with the findings in the store.');
  const storeOption = () => new Option('--store <file>', 'findings store file').default(DEFAULT_STORE);

  findings
    .command('list')
    .description('List findings, most severe first.')
    .addOption(storeOption())
    .option('--type <type>', 'finding type, or a prefix ending in * (e.g. "UnauthorizedAccess:EC2/*")')
    .option('--min-severity <n>', 'minimum severity (number or level)', severityOption)
    .option('--resource <id>', 'instance, interface, access key, principal or user the finding is about')
    .option('--archived', 'include archived findings', false)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'jsonl']).default('table'))
    .action((opts) => {
      withStore(opts.store, (store) => {
        const list = store.listFindings({ type: opts.type, minSeverity: opts.minSeverity, resource: opts.resource, includeArchived: opts.archived });
        if (opts.format === 'table') io.stdout.write(findingsTable(list));
        else writeFindings(list, opts.format as OutputFormat, io);
      });
    });

  findings
    .command('show')
    .description('Print one finding as JSON (GuardDuty format).')
    .argument('<id>', 'finding id, or a unique prefix of at least 6 characters')
    .addOption(storeOption())
    .action((id: string, opts) => {
      withStore(opts.store, (store) => {
        const found = store.findFinding(id);
        if (!found) throw new UsageError(`no finding ${id}`);
        io.stdout.write(JSON.stringify(found.finding, null, 2) + '\n');
      });
    });

  for (const [name, archived] of [['archive', true], ['unarchive', false]] as const) {
    findings
      .command(name)
      .description(archived ? 'Archive findings (new activity brings them back, as in GuardDuty).' : 'Return archived findings to the current list.')
      .argument('<id...>', 'finding ids or unique prefixes')
      .addOption(storeOption())
      .action((ids: string[], opts) => {
        withStore(opts.store, (store) => {
          const done = store.setArchived(ids, archived);
          io.stderr.write(`${archived ? 'archived' : 'unarchived'} ${done.length} finding(s)\n`);
          if (done.length < ids.length) {
            io.stderr.write(`vigil: ${ids.length - done.length} id(s) not found\n`);
            setExitCode(1);
          }
        });
      });
  }

  for (const add of extend) add(program);
  return program;
}

function withStore(path: string, work: (store: LocalStore) => void): void {
  const store = LocalStore.open(path);
  try {
    work(store);
  } finally {
    store.close();
  }
}

/** Runs the CLI and returns the exit status instead of exiting, so tests can call it. */
export async function main(argv: readonly string[], io: Io, extend: ((program: Command) => void)[] = []): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code), extend);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; every other commander error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`vigil: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`vigil: ${error instanceof FatalScanError ? '' : 'fatal: '}${(error as Error).message}\n`);
    return 1;
  }
}
