import type { Metric, Registry } from 'prom-client';

/**
 * Counters and histograms for the per-request metrics, registered in a prom-client registry but
 * recorded without prom-client's per-call work. prom-client sorts and hashes the label object and
 * validates its names on every `inc`/`observe`, which was about 5% of a cheap request's CPU in the
 * profile (docs/performance.md); here a label set's series is found by its values joined in the
 * declared order, and recording is a map lookup and additions. Rendering happens at scrape time.
 */

type Labels<L extends string> = Readonly<Record<L, string>>;

interface Exported {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

abstract class Labelled<L extends string, S> {
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  protected readonly series = new Map<string, { labels: Labels<L>; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    // The registry reads `name`, `help`, `type`, `aggregator`, `get()` and `reset()`: the shape
    // of its own metrics, without being one of its classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** A new series' starting state. */
  protected abstract fresh(): S;

  protected stateOf(labels: Labels<L>): S {
    let key = '';
    for (const n of this.labelNames) key += `${labels[n]}\u0000`;
    let entry = this.series.get(key);
    if (entry === undefined) {
      const copy = {} as Record<L, string>;
      for (const n of this.labelNames) copy[n] = String(labels[n]);
      entry = { labels: copy, state: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  protected abstract values(): Exported[];

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Exported[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values() };
  }

  reset(): void {
    this.series.clear();
  }
}

export class LabelledCounter<L extends string> extends Labelled<L, { n: number }> {
  readonly type = 'counter';

  protected fresh(): { n: number } {
    return { n: 0 };
  }

  inc(labels: Labels<L>, by = 1): void {
    this.stateOf(labels).n += by;
  }

  protected values(): Exported[] {
    return [...this.series.values()].map(({ labels, state }) => ({ value: state.n, labels: { ...labels } }));
  }
}

interface Buckets {
  counts: number[];
  sum: number;
  count: number;
}

export class LabelledHistogram<L extends string> extends Labelled<L, Buckets> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    registry: Registry,
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames, registry);
  }

  protected fresh(): Buckets {
    return { counts: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels<L>, value: number): void {
    if (!Number.isFinite(value)) return;
    const b = this.stateOf(labels);
    b.sum += value;
    b.count += 1;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= (this.bounds[i] ?? Number.POSITIVE_INFINITY)) {
        b.counts[i] = (b.counts[i] ?? 0) + 1;
        break;
      }
    }
  }

  protected values(): Exported[] {
    const out: Exported[] = [];
    for (const { labels, state } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += state.counts[i] ?? 0;
        out.push({ value: cumulative, labels: { ...labels, le }, metricName: `${this.name}_bucket` });
      });
      out.push({ value: state.count, labels: { ...labels, le: '+Inf' }, metricName: `${this.name}_bucket` });
      out.push({ value: state.sum, labels: { ...labels }, metricName: `${this.name}_sum` });
      out.push({ value: state.count, labels: { ...labels }, metricName: `${this.name}_count` });
    }
    return out;
  }
}
