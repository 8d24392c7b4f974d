import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerBlocksCommand } from '../../lambdas/cli/blocks';
import { ATTACKER_V4, inboundBruteForce } from '../support/response-findings';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-blocks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('vigil').exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
  registerBlocksCommand(program);
  await program.parseAsync(args, { from: 'user' });
  return { out, err };
}

describe('vigil blocks (local store)', () => {
  it('records dry-run blocks for findings, lists them, and unblocks an address', async () => {
    const store = join(dir, 'vigil.db');
    const config = join(dir, 'response.json');
    const findings = join(dir, 'findings.json');
    writeFileSync(config, JSON.stringify({ nacl: { mode: 'dry-run', naclIds: ['acl-0c0ffee'], findingSubnets: false } }));
    writeFileSync(findings, JSON.stringify([inboundBruteForce(ATTACKER_V4, 8)]));

    const responded = await run('blocks', 'respond', findings, '--store', store, '--config', config);
    expect(responded.out).toContain('1 finding(s), 0 skipped, 1 action(s) recorded (dry-run)');

    const listed = JSON.parse((await run('blocks', 'list', '--store', store, '--format', 'json', '--status', 'live')).out) as { address: string; status: string; target: string }[];
    expect(listed).toEqual([expect.objectContaining({ address: `${ATTACKER_V4}/32`, status: 'simulated', target: 'nacl:acl-0c0ffee:ingress' })]);

    expect((await run('blocks', 'unblock', ATTACKER_V4, '--store', store)).out).toContain(`unblocked ${ATTACKER_V4}/32`);
    expect((await run('blocks', 'list', '--store', store, '--status', 'live')).out).toBe('no blocks\n');
  });

  it('refuses an argument that is not an address', async () => {
    await expect(run('blocks', 'unblock', 'example.com', '--store', join(dir, 'vigil.db'))).rejects.toMatchObject({ exitCode: 2 });
  });
});
