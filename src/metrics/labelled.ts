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

/** One level of the series tree: a label value to the next level, or (at the last) to a series. */
type Level<S> = Map<string, Level<S> | Series<S>>;
interface Series<S> {
  labels: Record<string, string>;
  state: S;
}

abstract class Labelled<L extends string, S> {
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  protected readonly series: Series<S>[] = [];
  private readonly root: Level<S> = new Map();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    if (labelNames.length < 1 || labelNames.length > 3) throw new Error(`${name}: 1 to 3 labels`);
    // The registry reads `name`, `help`, `type`, `aggregator`, `get()` and `reset()`: the shape
    // of its own metrics, without being one of its classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** A new series' starting state. */
  protected abstract fresh(): S;

  /**
   * The series of these label values, in the declared order: one map lookup per label, on strings
   * that are mostly the same objects request after request (route patterns, methods), so their
   * hashes are cached. No key string is built per call.
   */
  protected stateAt(a: string, b?: string, c?: string): S {
    const last = this.labelNames.length - 1;
    let level = this.root;
    for (let i = 0; i < last; i++) {
      const v = String(i === 0 ? a : b);
      let next = level.get(v) as Level<S> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(v, next);
      }
      level = next;
    }
    const v = String(last === 0 ? a : last === 1 ? b : c);
    let entry = level.get(v) as Series<S> | undefined;
    if (entry === undefined) {
      const values = [a, b, c];
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => {
        labels[n] = String(values[i]);
      });
      entry = { labels, state: this.fresh() };
      level.set(v, entry);
      this.series.push(entry);
    }
    return entry.state;
  }

  protected stateOf(labels: Labels<L>): S {
    const [x, y, z] = this.labelNames;
    return this.stateAt(labels[x as L], y === undefined ? undefined : labels[y], z === undefined ? undefined : labels[z]);
  }

  protected abstract values(): Exported[];

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Exported[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values() };
  }

  reset(): void {
    this.series.length = 0;
    this.root.clear();
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

  /** `inc` by one with the label values in their declared order (no label object per call). */
  incAt(a: string, b?: string, c?: string): void {
    this.stateAt(a, b, c).n += 1;
  }

  protected values(): Exported[] {
    return this.series.map(({ labels, state }) => ({ value: state.n, labels: { ...labels } }));
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
    if (Number.isFinite(value)) this.record(this.stateOf(labels), value);
  }

  /** `observe` with the label values in their declared order (no label object per call). */
  observeAt(value: number, a: string, b?: string, c?: string): void {
    if (Number.isFinite(value)) this.record(this.stateAt(a, b, c), value);
  }

  private record(b: Buckets, value: number): void {
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
    for (const { labels, state } of this.series) {
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
