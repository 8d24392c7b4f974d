/**
 * Merges concurrent changes to one resource into one round of work.
 *
 * WAF IP sets are replaced whole and guarded by a lock token, so two findings that update the same set at
 * once would make two read–modify–write rounds, the second failing on the lock and starting over. Changes
 * submitted for the same key while a round is being prepared or is running are instead queued and handled
 * together by the next round: at most one round per key is in flight, and each caller gets the result for
 * its own change.
 *
 * @example
 * const c = new Coalescer<Change, Outcome>((key, changes) => applyAll(key, changes));
 * const [a, b] = await Promise.all([c.submit('set-1', x), c.submit('set-1', y)]); // one applyAll call
 */
export class Coalescer<C, R> {
  private readonly queues = new Map<string, { pending: Pending<C, R>[]; running: boolean }>();

  /**
   * @param run handles one round: gets every queued change for a key, returns one result per change in the
   *   same order. A throw fails every change of that round (and only that round).
   * @param gather waits before a round starts so that callers arriving in the same turn join it; the
   *   default yields one macrotask.
   */
  constructor(
    private readonly run: (key: string, changes: readonly C[]) => Promise<readonly R[]>,
    private readonly gather: () => Promise<void> = () => new Promise((resolve) => setTimeout(resolve, 0)),
  ) {}

  submit(key: string, change: C): Promise<R> {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { pending: [], running: false };
      this.queues.set(key, queue);
    }
    const promise = new Promise<R>((resolve, reject) => queue.pending.push({ change, resolve, reject }));
    if (!queue.running) {
      queue.running = true;
      void this.drain(key, queue);
    }
    return promise;
  }

  private async drain(key: string, queue: { pending: Pending<C, R>[]; running: boolean }): Promise<void> {
    try {
      await this.gather();
      while (queue.pending.length > 0) {
        const round = queue.pending.splice(0);
        try {
          const results = await this.run(key, round.map((p) => p.change));
          round.forEach((p, i) => p.resolve(results[i] as R));
        } catch (error) {
          round.forEach((p) => p.reject(error));
        }
      }
    } finally {
      queue.running = false;
      this.queues.delete(key);
    }
  }
}

interface Pending<C, R> {
  readonly change: C;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}
