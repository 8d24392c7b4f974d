/**
 * CLI entry point (`vigil`, see package.json "bin"). All behaviour lives in lambdas/cli.
 */
import { registerBlocksCommand } from '../lambdas/cli/blocks';
import { main } from '../lambdas/cli/program';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, [registerBlocksCommand]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`vigil: fatal: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
