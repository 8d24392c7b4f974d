import { ConfigError } from '../../lambdas/handlers/config';
import { once } from '../../lambdas/handlers/runtime';
import { sqsEvent } from '../support/log-samples';

describe('once', () => {
  it('builds a cold-start resource once and shares it between invocations', async () => {
    let builds = 0;
    const get = once(async () => ++builds);
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
  });

  it('tries again on the next invocation after a failed build', async () => {
    let builds = 0;
    const get = once(async () => {
      builds++;
      if (builds === 1) throw new Error('S3 throttled the intel list read');
      return builds;
    });
    await expect(get()).rejects.toThrow('throttled');
    expect(await get()).toBe(2);
  });
});

describe('deployed handlers', () => {
  it('can be imported without configuration and refuse to run without it, naming the variable', async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) if (key.startsWith('VIGIL_')) delete process.env[key];
    try {
      const { handler } = await import('../../lambdas/handlers/ingest-s3');
      const error = await handler(sqsEvent([])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('VIGIL_FINDINGS_TABLE');
      const { handler: publish } = await import('../../lambdas/handlers/publish-updates');
      await expect(publish()).rejects.toBeInstanceOf(ConfigError);
    } finally {
      process.env = saved;
    }
  });
});
