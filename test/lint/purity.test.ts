import { Linter } from 'eslint';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
// The project's own flat config, applied with the in-process Linter (ESLint's config loader needs dynamic
// import, which jest's VM does not offer).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(join(root, 'eslint.config.js')) as Linter.Config[];

async function lint(path: string, code: string): Promise<string[]> {
  const messages = new Linter({ cwd: root }).verify(code, config, { filename: join(root, path) });
  return messages.map((m) => m.ruleId ?? m.message);
}

describe('the pure-engine lint boundary', () => {
  const impure = [
    "import { S3Client } from '@aws-sdk/client-s3';",
    'export const region = process.env.AWS_REGION;',
    'export const now = Date.now();',
    'export const today = new Date();',
    'export const client = new S3Client({});',
  ].join('\n');

  it.each(['lambdas/engine/x.ts', 'lambdas/parsers/x.ts', 'lambdas/detectors/x.ts', 'lambdas/intel/x.ts', 'lambdas/response/x.ts'])('rejects SDK imports, the environment and the wall clock in %s', async (path) => {
    const rules = await lint(path, impure);
    expect(rules).toEqual(
      expect.arrayContaining(['@typescript-eslint/no-restricted-imports', 'no-restricted-properties', 'no-restricted-syntax', 'no-restricted-globals']),
    );
  });

  it('allows type-only imports of SDK models and event-time dates in pure code', async () => {
    const code = "import type { Finding } from '@aws-sdk/client-guardduty';\nexport type F = Finding;\nexport const iso = (ms: number) => new Date(ms).toISOString();\n";
    expect(await lint('lambdas/engine/x.ts', code)).toEqual([]);
  });

  it('lets adapters use the SDK and the environment', async () => {
    expect(await lint('lambdas/adapters/x.ts', impure)).toEqual([]);
  });
});
