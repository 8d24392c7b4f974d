/**
 * CLI entry point (`vigil`, see package.json "bin"). All behaviour lives in lambdas/cli.
 */
import { main } from '../lambdas/cli/program';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`vigil: fatal: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
