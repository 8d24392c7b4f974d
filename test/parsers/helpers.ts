/** Shared helpers of the parser tests: fixtures, draining generators, byte sources. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VigilEvent } from '../../lambdas/engine/events';
import type { ParseIssue, ParseResult } from '../../lambdas/engine/issues';
import type { ParsedChunk, ParseSummary } from '../../lambdas/parsers';

export const FIXTURES = join(__dirname, '..', 'fixtures');

export function fixture(relativePath: string): Buffer {
  return readFileSync(join(FIXTURES, relativePath));
}

export interface Drained {
  readonly chunks: ParsedChunk[];
  readonly results: ParseResult[];
  readonly events: VigilEvent[];
  readonly issues: ParseIssue[];
  readonly summary: ParseSummary;
}

/** Runs a parser generator to its end, keeping the chunks, the flat results and the summary. */
export async function drain(generator: AsyncGenerator<ParsedChunk, ParseSummary>): Promise<Drained> {
  const chunks: ParsedChunk[] = [];
  let step = await generator.next();
  while (!step.done) {
    chunks.push(step.value);
    step = await generator.next();
  }
  const results = chunks.flatMap((c) => c.results);
  return {
    chunks,
    results,
    events: results.flatMap((r) => (r.ok ? [r.event] : [])),
    issues: results.flatMap((r) => (r.ok ? [] : [r.issue])),
    summary: step.value,
  };
}

/** Streams a buffer in pieces of `size` bytes (1 exercises every chunk boundary). */
export async function* inPieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(bytes.length, at + size));
}

/** Narrows a result list to events of one source, failing loudly if any result is of another kind. */
export function eventsOf<S extends VigilEvent['source']>(results: readonly ParseResult[], source: S): Extract<VigilEvent, { source: S }>[] {
  return results.flatMap((r) => (r.ok && r.event.source === source ? [r.event as Extract<VigilEvent, { source: S }>] : []));
}
