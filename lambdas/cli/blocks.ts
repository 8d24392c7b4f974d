/**
 * `vigil blocks list|unblock ADDRESS|sync|respond FILE`: the operator's view of the block registry.
 *
 * Locally (the default) the registry is the `blocks` table of the embedded store (`--store`), and nothing
 * outside it is changed: every block there is a dry-run record. With `--table` the commands work on the
 * deployed registry in DynamoDB and, for `unblock` and `sync`, on the WAF IP sets and network ACLs the
 * records name, with the caller's AWS credentials.
 *
 * @example
 * vigil blocks list --status live
 * vigil blocks unblock 198.51.100.7 --table vigil-BlockRegistry-1A2B3C
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Option, type Command } from 'commander';
import { DynamoBlockRegistry } from '../adapters/block-registry';
import { LocalBlockRegistry } from '../adapters/local-block-registry';
import { Ec2NetworkAclGateway } from '../adapters/network-acl';
import { WafIpSetGateway } from '../adapters/wafv2-ip-sets';
import type { Finding } from '../engine/finding';
import { hostAddress } from '../response/addresses';
import { BLOCK_STATUSES, LIVE_STATUSES, type BlockRecord, type BlockStatus } from '../response/block';
import { DEFAULT_RESPONSE_CONFIG, parseResponseConfig, type ResponseConfig } from '../response/config';
import { BlockMaintenance, type MaintenanceReport } from '../response/maintenance';
import type { BlockRegistry } from '../response/ports';
import { Responder } from '../response/responder';

export const DEFAULT_BLOCK_STORE = '.vigil/vigil.db';

interface Connection {
  readonly registry: BlockRegistry;
  readonly maintenance: BlockMaintenance;
  readonly config: ResponseConfig;
  readonly local: boolean;
  close(): void;
}

interface ConnectionOptions {
  readonly store: string;
  readonly table?: string;
  readonly region?: string;
  readonly config?: string;
}

/** Adds `vigil blocks …` to the program. */
export function registerBlocksCommand(program: Command): void {
  const blocks = program.command('blocks').description('Blocks made (or, in dry-run, recorded) by automated response');
  const connectionOptions = (cmd: Command): Command =>
    cmd
      .option('--store <file>', 'embedded store (local, dry-run records only)', DEFAULT_BLOCK_STORE)
      .option('--table <name>', 'the deployed block registry (DynamoDB) instead of the local store')
      .option('--region <region>', 'AWS region of the registry, IP sets and NACLs')
      .option('--config <file>', 'response configuration JSON (rule range, capacity); defaults otherwise');

  connectionOptions(blocks.command('list').description('List blocks, newest first'))
    .addOption(new Option('--status <status>', 'only this status, or "live" (active and simulated)').choices(['live', ...BLOCK_STATUSES]))
    .option('--address <ip>', 'only this address')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: ConnectionOptions & { status?: string; address?: string; limit?: number; format: 'table' | 'json' }, cmd: Command) => {
      await withConnection(cmd, opts, async (c) => {
        let records: BlockRecord[];
        if (opts.address) {
          records = await c.registry.listByAddress(addressOrFail(cmd, opts.address));
          if (opts.status) records = records.filter((r) => statusesOf(opts.status!).includes(r.status));
        } else {
          records = await c.registry.list({ ...(opts.status ? { statuses: statusesOf(opts.status) } : {}), ...(opts.limit ? { limit: opts.limit } : {}) });
        }
        write(cmd, opts.format === 'json' ? `${JSON.stringify(records, null, 2)}\n` : blocksTable(records));
      });
    });

  connectionOptions(blocks.command('unblock').description('Remove every live block of an address now').argument('<address>', 'IPv4 or IPv6 address')).action(
    async (address: string, opts: ConnectionOptions, cmd: Command) => {
      await withConnection(cmd, opts, async (c) => {
        const report = await c.maintenance.unblock(addressOrFail(cmd, address));
        if (report.ended.length === 0 && report.failures.length === 0) write(cmd, `${address} has no live block\n`);
        finish(cmd, report);
      });
    },
  );

  connectionOptions(blocks.command('sync').description('Expire due blocks and make WAF and NACLs match the registry')).action(async (opts: ConnectionOptions, cmd: Command) => {
    await withConnection(cmd, opts, async (c) => finish(cmd, c.local ? await c.maintenance.expireDue(Number.MAX_SAFE_INTEGER) : await c.maintenance.sync()));
  });

  blocks
    .command('respond')
    .description('Record the dry-run decisions for findings (a JSON array, one finding, or JSON lines) in the local store')
    .argument('<file>', 'findings file (GuardDuty JSON, or Vigil Finding events)')
    .option('--store <file>', 'embedded store', DEFAULT_BLOCK_STORE)
    .option('--config <file>', 'response configuration JSON')
    .action(async (file: string, opts: { store: string; config?: string }, cmd: Command) => {
      const findings = readFindings(cmd, file);
      await withConnection(cmd, { store: opts.store, ...(opts.config ? { config: opts.config } : {}) }, async (c) => {
        const report = await new Responder({ config: c.config, registry: c.registry, clock: () => Date.now() }).respond(findings);
        for (const a of report.actions) write(cmd, `${a.action.padEnd(7)} ${a.address.padEnd(40)} ${a.target ?? ''} ${a.reason ?? ''}\n`.replace(/ +\n$/, '\n'));
        const skipped = report.decisions.filter((d) => d.skipped).length;
        write(cmd, `${findings.length} finding(s), ${skipped} skipped, ${report.actions.length} action(s) recorded (dry-run)\n`);
      });
    });
}

async function withConnection(cmd: Command, opts: ConnectionOptions, run: (c: Connection) => Promise<void>): Promise<void> {
  const connection = connect(cmd, opts);
  try {
    await run(connection);
  } finally {
    connection.close();
  }
}

function connect(cmd: Command, opts: ConnectionOptions): Connection {
  let config = DEFAULT_RESPONSE_CONFIG;
  if (opts.config) {
    try {
      config = parseResponseConfig(JSON.parse(readFileSync(opts.config, 'utf8')));
    } catch (error) {
      cmd.error(`vigil: cannot use ${opts.config}: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 2 });
    }
  }
  if (opts.table) {
    const region = opts.region ? { region: opts.region } : {};
    const registry = new DynamoBlockRegistry({ client: DynamoDBDocumentClient.from(new DynamoDBClient(region)), tableName: opts.table });
    const waf = new WafIpSetGateway({ regional: new WAFV2Client(region), cloudfront: new WAFV2Client({ region: 'us-east-1' }) });
    const nacl = new Ec2NetworkAclGateway({ client: new EC2Client(region) });
    return { registry, config, local: false, maintenance: new BlockMaintenance({ registry, waf, nacl, config, clock: () => Date.now() }), close: () => undefined };
  }
  const registry = LocalBlockRegistry.open(opts.store);
  return { registry, config, local: true, maintenance: new BlockMaintenance({ registry, config, clock: () => Date.now() }), close: () => registry.close() };
}

function finish(cmd: Command, report: MaintenanceReport): void {
  for (const r of report.ended) write(cmd, `${r.status.padEnd(9)} ${r.address.padEnd(40)} ${r.target}\n`);
  for (const r of report.repaired) write(cmd, `repaired  ${r.address.padEnd(40)} ${r.target}\n`);
  for (const d of report.drift) write(cmd, `drift     ${d.naclId}: ${d.detail}\n`);
  for (const f of report.failures) cmd.configureOutput().writeErr?.(`failed    ${f.target}: ${f.error instanceof Error ? f.error.message : String(f.error)}\n`);
  if (report.failures.length > 0) cmd.error(`vigil: ${report.failures.length} target(s) could not be changed; their blocks stay live`, { exitCode: 1 });
}

function blocksTable(records: readonly BlockRecord[]): string {
  if (records.length === 0) return 'no blocks\n';
  const rows = records.map((r) => [r.address, r.status, r.mode, r.target + (r.placement.kind === 'nacl' && r.placement.ruleNumber !== undefined ? `#${r.placement.ruleNumber}` : ''), iso(r.createdAt), iso(r.expiresAt), r.findingType]);
  const header = ['ADDRESS', 'STATUS', 'MODE', 'TARGET', 'CREATED', 'EXPIRES', 'FINDING TYPE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function readFindings(cmd: Command, file: string): Finding[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return cmd.error(`vigil: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 2 });
  }
  const values: unknown[] = [];
  try {
    const parsed: unknown = JSON.parse(text);
    values.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  } catch {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch {
        cmd.configureOutput().writeErr?.(`vigil: skipped a line that is not JSON in ${file}\n`);
      }
    }
  }
  return values
    .map((v) => (isRecord(v) && isRecord(v.detail) && v['detail-type'] === 'Vigil Finding' ? v.detail : v))
    .filter((v): v is Finding => isRecord(v) && typeof v.id === 'string' && typeof v.type === 'string' && typeof v.severity === 'number' && isRecord(v.service));
}

function statusesOf(status: string): BlockStatus[] {
  return status === 'live' ? [...LIVE_STATUSES] : [status as BlockStatus];
}

function addressOrFail(cmd: Command, text: string): string {
  const host = hostAddress(text.replace(/\/(32|128)$/, ''));
  if (!host) return cmd.error(`vigil: ${JSON.stringify(text)} is not an IP address`, { exitCode: 2 });
  return host.cidr;
}

function write(cmd: Command, text: string): void {
  const out = cmd.configureOutput().writeOut;
  if (out) out(text);
  else process.stdout.write(text);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
