import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../../lib/config';
import { VigilStack } from '../../lib/vigil-stack';
import { FIXTURE_ENTRIES, FULL_CONTEXT, NO_BUNDLING } from './support';

interface Violation {
  readonly ruleName: string;
  readonly severity: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
}

interface NagRun {
  readonly violations: Violation[];
  readonly acknowledgements: { readonly path: string; readonly id: string; readonly reason: string }[];
}

/**
 * Synthesizes with cdk-nag's AWS Solutions pack, as `cdk synth` does, and reads the validation report.
 * Findings of severity "error" make synth throw; the report is written either way.
 */
function runNag(context: Record<string, unknown>): NagRun {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-nag-'));
  try {
    const app = new App({ outdir, context: { ...NO_BUNDLING } });
    const stack = new VigilStack(app, 'Vigil', { config: parseConfig(context), handlerEntries: FIXTURE_ENTRIES });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch {
      // Reported below through validation-report.json.
    }
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: Violation[] }[] };
    const acknowledgements = stack.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        // aws-cdk-lib records rule ids without a plugin prefix as "Annotation::<id>"; cdk-nag strips it again.
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason }))),
    );
    return { violations: report.pluginReports.flatMap((plugin) => plugin.violations), acknowledgements };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe.each([
  ['the default configuration', {}],
  ['every path and multi-account feature on', FULL_CONTEXT],
])('cdk-nag AWS Solutions checks with %s', (_name, context) => {
  let run: NagRun;
  beforeAll(() => {
    run = runNag(context);
  });

  it('reports no unacknowledged error or warning', () => {
    expect(run.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`)).toEqual([]);
  });

  it('acknowledges every accepted finding with a written reason', () => {
    expect(run.acknowledgements.length).toBeGreaterThan(0);
    for (const { id, reason } of run.acknowledgements) {
      expect(id).toMatch(/^AwsSolutions-/);
      expect(reason.length).toBeGreaterThanOrEqual(60);
    }
  });
});

describe('cdk-nag AWS Solutions checks', () => {
  it('would report a wildcard grant that nobody acknowledged', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-nag-'));
    try {
      const app = new App({ outdir, context: { ...NO_BUNDLING } });
      const stack = new VigilStack(app, 'Vigil', { config: parseConfig({}), handlerEntries: FIXTURE_ENTRIES });
      stack.analyzers.intelBucket.grantRead(stack.analyzers.ingestS3!.role);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrow();
      const report = fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8');
      expect(report).toContain('AwsSolutions-IAM5[Action::s3:GetObject*]');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
