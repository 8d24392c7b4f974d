import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lambdas/cli/program';
import type { Finding } from '../../lambdas/engine/finding';

const root = join(__dirname, '..', '..');
const samples = join(root, 'samples');
const lists = ['--threat-list', join(root, 'examples/intel/threat-list.txt'), '--intel', `c2=${join(root, 'examples/intel/c2-domains.txt')}`];

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s), isTTY: false } });
  return { code, stdout, stderr };
}

function rootCall(time: string, eventId: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '1.10',
        userIdentity: { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' },
        eventTime: time,
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        awsRegion: 'us-east-1',
        sourceIPAddress: '198.51.100.5',
        eventID: eventId,
        eventType: 'AwsApiCall',
        readOnly: true,
        recipientAccountId: '111122223333',
      },
    ],
  });
}

describe('vigil scan', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints exactly one JSON array of GuardDuty-shaped findings from all three sources, and the summary on stderr', async () => {
    const { code, stdout, stderr } = await run('scan', samples, ...lists, '--format', 'json', '--store', ':memory:');
    expect(code).toBe(0);
    const findings = JSON.parse(stdout) as Finding[];
    expect(Array.isArray(findings)).toBe(true);
    for (const f of findings) {
      for (const key of ['accountId', 'arn', 'createdAt', 'id', 'partition', 'region', 'resource', 'schemaVersion', 'severity', 'title', 'type', 'updatedAt'] as const) expect(f[key]).toBeDefined();
      expect(f.schemaVersion).toBe('2.0');
      for (const key of ['action', 'archived', 'count', 'eventFirstSeen', 'eventLastSeen', 'resourceRole', 'serviceName'] as const) expect(f.service[key]).toBeDefined();
    }
    const actions = new Set(findings.map((f) => f.service.action.actionType));
    expect(actions).toEqual(new Set(['AWS_API_CALL', 'NETWORK_CONNECTION', 'DNS_REQUEST']));
    expect(findings.map((f) => f.type)).toEqual(
      expect.arrayContaining([
        'Policy:IAMUser/RootCredentialUsage',
        'Stealth:IAMUser/CloudTrailLoggingDisabled',
        'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom',
        'Recon:IAMUser/MaliciousIPCaller.Custom',
        'UnauthorizedAccess:EC2/SSHBruteForce',
        'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
        'Backdoor:EC2/C&CActivity.B!DNS',
        'Impact:EC2/MaliciousDomainRequest.Custom',
      ]),
    );
    const ssh = findings.filter((f) => f.type === 'UnauthorizedAccess:EC2/SSHBruteForce');
    expect(ssh.map((f) => f.service.resourceRole).sort()).toEqual(['ACTOR', 'TARGET']);
    for (const f of findings.filter((f) => f.service.action.actionType === 'NETWORK_CONNECTION')) {
      expect(f.service.action.networkConnectionAction?.remoteIpDetails?.ipAddressV4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(f.resource.instanceDetails?.instanceId).toBeDefined();
    }
    // The C&C feed's domain and GuardDuty's built-in test domain, queried a second apart by one instance,
    // aggregate into one finding showing the later query.
    const c2 = findings.find((f) => f.type === 'Backdoor:EC2/C&CActivity.B!DNS')!;
    expect(c2.service.count).toBe(2);
    expect(c2.service.action.dnsRequestAction?.domain).toBe('guarddutyc2activityb.com');
    expect(c2.service.additionalInfo?.threatListName).toBe('GuardDutyTestDomains');
    expect(stderr).toMatch(/Scanned 96 file\(s\)/);
    expect(stderr).toMatch(/events: \d+ \(cloudtrail \d+, vpcflow \d+, dns \d+\)/);
    expect(stderr).toMatch(/events\/s/);
    expect(stderr).toMatch(/findings: \d+ \(High \d+, Medium \d+, Low \d+\)/);
  });

  it('aggregates repeated scans into the same findings and counts new activity', async () => {
    const logs = join(dir, 'logs');
    cpSync(join(samples, 'cloudtrail'), join(logs, 'cloudtrail'), { recursive: true });
    const store = join(dir, 'vigil.db');
    const first = JSON.parse((await run('scan', logs, '--format', 'json', '--store', store)).stdout) as Finding[];
    const again = JSON.parse((await run('findings', 'list', '--format', 'json', '--store', store)).stdout) as Finding[];
    const rescan = await run('scan', logs, '--format', 'json', '--store', store);
    expect(rescan.stderr).toMatch(/already in the store/);
    const afterRescan = JSON.parse((await run('findings', 'list', '--format', 'json', '--store', store)).stdout) as Finding[];
    expect(afterRescan.map((f) => [f.id, f.service.count])).toEqual(again.map((f) => [f.id, f.service.count]));
    expect(first.map((f) => f.id).sort()).toEqual(again.map((f) => f.id).sort());

    const rootBefore = afterRescan.find((f) => f.type === 'Policy:IAMUser/RootCredentialUsage')!;
    writeFileSync(join(logs, 'more.json'), rootCall('2025-01-07T12:00:00Z', '11111111-2222-4333-8444-555555555555'));
    await run('scan', logs, '--store', store);
    const rootAfter = (JSON.parse((await run('findings', 'list', '--format', 'json', '--store', store)).stdout) as Finding[]).find((f) => f.id === rootBefore.id)!;
    expect(rootAfter.service.count).toBe(rootBefore.service.count + 1);
    expect(rootAfter.service.eventLastSeen).toBe('2025-01-07T12:00:00.000Z');
  });

  it("flags GuardDuty's own C&C test domain with no list loaded", async () => {
    const { stdout } = await run('scan', join(samples, 'dns'), '--format', 'json', '--store', ':memory:', '--no-geo');
    const findings = JSON.parse(stdout) as Finding[];
    expect(findings.map((f) => [f.type, f.service.action.dnsRequestAction?.domain])).toEqual([['Backdoor:EC2/C&CActivity.B!DNS', 'guarddutyc2activityb.com']]);
  });

  it('archives what a suppression rule matches: stored, not printed', async () => {
    const store = join(dir, 'vigil.db');
    const args = ['scan', samples, '--inventory', join(root, 'examples/inventory.json'), '--suppression-rules', join(root, 'examples/suppression-rules.json'), '--no-geo', '--store', store, '--format', 'json'];
    const printed = JSON.parse((await run(...args)).stdout) as Finding[];
    const isBastionTarget = (f: Finding) => f.type === 'UnauthorizedAccess:EC2/SSHBruteForce' && f.service.resourceRole === 'TARGET';
    expect(printed.filter(isBastionTarget)).toEqual([]);
    expect(printed.some((f) => f.type === 'UnauthorizedAccess:EC2/SSHBruteForce' && f.service.resourceRole === 'ACTOR')).toBe(true);
    const all = JSON.parse((await run('findings', 'list', '--archived', '--format', 'json', '--store', store)).stdout) as Finding[];
    expect(all.filter(isBastionTarget)).toEqual([expect.objectContaining({ resource: expect.objectContaining({ instanceDetails: expect.objectContaining({ instanceId: 'i-000000000000000d1' }) }), service: expect.objectContaining({ archived: true }) })]);
  });

  it('rejects an unknown intel category as a usage error that lists the valid ones', async () => {
    const { code, stderr } = await run('scan', samples, '--intel', 'weather=x.txt', '--store', ':memory:');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown intel category "weather"; valid categories: .*c2/);
  });

  it('exits 2 on bad options and 1 on a fatal error', async () => {
    expect((await run('scan')).code).toBe(2);
    expect((await run('scan', samples, '--format', 'xml')).code).toBe(2);
    expect((await run('scan', samples, '--min-severity', 'extreme')).code).toBe(2);
    expect((await run('scan', samples, '--threat-list', join(dir, 'missing.txt'), '--store', ':memory:')).code).toBe(1);
  });

  it('reports unreadable and malformed input and carries on, unless --strict', async () => {
    writeFileSync(join(dir, 'good.json'), rootCall('2025-01-07T12:00:00Z', 'aaaaaaaa-2222-4333-8444-555555555555'));
    writeFileSync(join(dir, 'junk.bin'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]));
    const lenient = await run('scan', dir, join(dir, 'missing'), '--format', 'json', '--store', ':memory:');
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout)).toHaveLength(1);
    expect(lenient.stderr).toMatch(/missing/);
    expect(lenient.stderr).toMatch(/junk\.bin/);
    expect(lenient.stderr).toMatch(/rejected: .*unreadable-input 1/);
    const strict = await run('scan', dir, '--strict', '--store', ':memory:');
    expect(strict.code).toBe(1);
  });
});

describe('vigil findings', () => {
  it('lists with filters, shows one finding and archives and unarchives by id prefix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    try {
      const store = join(dir, 'vigil.db');
      await run('scan', samples, ...lists, '--store', store);
      const high = JSON.parse((await run('findings', 'list', '--min-severity', 'high', '--format', 'json', '--store', store)).stdout) as Finding[];
      expect(high.length).toBeGreaterThan(0);
      expect(high.every((f) => f.severity >= 7)).toBe(true);
      const ec2 = JSON.parse((await run('findings', 'list', '--type', 'UnauthorizedAccess:EC2/*', '--format', 'json', '--store', store)).stdout) as Finding[];
      expect(ec2.every((f) => f.type.startsWith('UnauthorizedAccess:EC2/'))).toBe(true);
      const target = ec2[0]!;
      const byResource = JSON.parse((await run('findings', 'list', '--resource', target.resource.instanceDetails!.instanceId!, '--format', 'json', '--store', store)).stdout) as Finding[];
      expect(byResource.map((f) => f.id)).toContain(target.id);

      const shown = await run('findings', 'show', target.id.slice(0, 10), '--store', store);
      expect(JSON.parse(shown.stdout).id).toBe(target.id);
      expect((await run('findings', 'archive', target.id.slice(0, 10), '--store', store)).code).toBe(0);
      const table = (await run('findings', 'list', '--store', store)).stdout;
      expect(table).not.toContain(target.id.slice(0, 12));
      expect((await run('findings', 'list', '--archived', '--store', store)).stdout).toContain(target.id.slice(0, 12));
      await run('findings', 'unarchive', target.id, '--store', store);
      expect((await run('findings', 'list', '--store', store)).stdout).toContain(target.id.slice(0, 12));
      expect((await run('findings', 'archive', 'ffffffffffff', '--store', store)).code).toBe(1);
      expect((await run('findings', 'show', 'nope', '--store', store)).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
