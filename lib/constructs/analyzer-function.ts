/**
 * One Vigil Lambda function as every analyzer is built: bundled from TypeScript with the local esbuild
 * (no Docker), arm64, Node.js 22, its own role and its own encrypted log group.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: handler entries, package-lock.json and tsconfig.json are resolved against it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Namespace of the metrics the handlers emit through Powertools (EMF). */
export const METRICS_NAMESPACE = 'Vigil';

export interface AnalyzerFunctionProps {
  /** The handler file (exporting `handler`), absolute or relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  /** Encrypts the function's log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * Environment variables besides Powertools' and Node's.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;
  /**
   * Memory, which also buys CPU: parsing and gunzip are CPU-bound.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Files copied into the function's code next to the bundle, as `{ from: absolute path, to: path relative to
   * the code root }` (data the code reads at run time, e.g. offline geolocation databases).
   * @default none
   */
  readonly files?: readonly { readonly from: string; readonly to: string }[];
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

export class AnalyzerFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  /** The execution role; grants go here. */
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AnalyzerFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A role of our own instead of the default one: the managed AWSLambdaBasicExecutionRole may write to any
    // log group, this one only to the function's.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Vigil ${id}: execution role`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.resolve(PROJECT_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(1),
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'vigil',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
      bundling: {
        // The AWS SDK is bundled too: the versions pinned in the lockfile, tested here, are the ones that run,
        // not whatever the runtime ships that month.
        externalModules: [],
        target: 'node22',
        minify: true,
        sourceMap: true,
        tsconfig: path.join(PROJECT_ROOT, 'tsconfig.json'),
        ...(props.files?.length ? { commandHooks: copyFilesHook(props.files) } : {}),
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Vigil targets the Node.js 22 runtime on purpose (the version its code and dependencies are tested on); moving to Node.js 24 is a deliberate upgrade, not a drift fix.',
    });
  }
}

/** Bundling hooks that copy data files into the bundle's output folder (local bundling, POSIX shell). */
export function copyFilesHook(files: readonly { readonly from: string; readonly to: string }[]): nodejs.ICommandHooks {
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) =>
      files.flatMap(({ from, to }) => {
        const target = path.posix.join(outputDir, to);
        return [`mkdir -p ${quote(path.posix.dirname(target))}`, `cp ${quote(from)} ${quote(target)}`];
      }),
  };
}
