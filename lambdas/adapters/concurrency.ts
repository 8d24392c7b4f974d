/**
 * Runs `task` over `items` with at most `limit` in flight. Per-key DynamoDB writes are independent, so
 * running them side by side turns a batch's write latency from "sum of round trips" into roughly
 * "keys / limit round trips", without opening more sockets than the HTTP agent keeps.
 *
 * The first rejection is rethrown after every started task has settled, so no write is left running
 * unobserved behind a failed batch.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !firstError) {
      const index = next++;
      try {
        await task(items[index]!, index);
      } catch (error) {
        firstError ??= { error };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  if (firstError) throw firstError.error;
}
