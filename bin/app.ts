/**
 * The CDK app (cdk.json "app"): reads the `vigil:*` context, builds the Vigil stack, and runs the AWS
 * Solutions checks of cdk-nag on it, so `cdk synth` fails on any unacknowledged finding.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, readConfig } from '../lib/config';
import { VigilStack } from '../lib/vigil-stack';

const app = new App();
try {
  const config = readConfig(app);
  new VigilStack(app, config.stackName, {
    config,
    description: 'Vigil: serverless threat detection (GuardDuty-format findings from CloudTrail, VPC Flow Logs and Route 53 Resolver logs)',
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A configuration mistake is the user's to fix: print the message (key and allowed values), not a stack trace.
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
