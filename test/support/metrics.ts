/** A {@link MetricSink} that keeps what handlers count, for assertions. */
import type { MetricSink } from '../../lambdas/handlers/telemetry';

export class RecordingMetricSink implements MetricSink {
  readonly counts = new Map<string, number>();
  readonly timings: { name: string; ms: number }[] = [];
  flushes = 0;

  count(name: string, value: number, dimensions?: Readonly<Record<string, string>>): void {
    const key = dimensions ? `${name}{${Object.entries(dimensions).map(([k, v]) => `${k}=${v}`).join(',')}}` : name;
    this.counts.set(key, (this.counts.get(key) ?? 0) + value);
  }

  milliseconds(name: string, ms: number): void {
    this.timings.push({ name, ms });
  }

  flush(): void {
    this.flushes++;
  }

  /** The total for `name` (with its dimensions spelled `name{k=v}`), 0 when never counted. */
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  reset(): void {
    this.counts.clear();
    this.timings.length = 0;
  }
}
