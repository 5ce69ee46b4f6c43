/**
 * Counters and histograms for the hot path. prom-client hashes and validates the label set on
 * every `inc()`/`observe()`, even through a child from `labels()`; these resolve a label set to
 * a plain object once, so a request pays an increment (and, for a histogram, a bucket search).
 * prom-client's Registry renders them (they implement what it reads: `name` and `get()`).
 */

type Labels = Record<string, string>;

interface MetricValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: MetricValue[];
}

/** What prom-client's Registry#registerMetric needs. */
export interface Collectable {
  name: string;
  get(): Promise<MetricData>;
}

function keyOf(values: readonly string[]): string {
  return values.length === 1 ? (values[0] as string) : values.join('\u0000');
}

function labelsOf(names: readonly string[], values: readonly string[]): Labels {
  const out: Labels = {};
  names.forEach((n, i) => {
    out[n] = values[i] ?? '';
  });
  return out;
}

export class FastCounter implements Collectable {
  private readonly children = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[] = []) {}

  /** The child for one label set; keep it and call `inc()` on it. */
  child(...values: string[]): { inc(n?: number): void; readonly value: number } {
    const k = keyOf(values);
    let c = this.children.get(k);
    if (!c) this.children.set(k, (c = { labels: labelsOf(this.labelNames, values), value: 0 }));
    const cell = c;
    return {
      inc(n = 1) {
        cell.value += n;
      },
      get value() {
        return cell.value;
      },
    };
  }

  async get(): Promise<MetricData> {
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values: [...this.children.values()].map((c) => ({ labels: c.labels, value: c.value })) };
  }
}

export class FastHistogram implements Collectable {
  private readonly children = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[], readonly buckets: readonly number[]) {}

  child(...values: string[]): { observe(v: number): void } {
    const k = keyOf(values);
    let c = this.children.get(k);
    if (!c) this.children.set(k, (c = { labels: labelsOf(this.labelNames, values), counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    const cell = c;
    const bounds = this.buckets;
    return {
      observe(v: number) {
        cell.sum += v;
        cell.count++;
        for (let i = 0; i < bounds.length; i++) {
          if (v <= (bounds[i] as number)) {
            cell.counts[i] = (cell.counts[i] as number) + 1;
            return;
          }
        }
      },
    };
  }

  async get(): Promise<MetricData> {
    const values: MetricValue[] = [];
    for (const c of this.children.values()) {
      let acc = 0;
      this.buckets.forEach((b, i) => {
        acc += c.counts[i] as number;
        values.push({ labels: { ...c.labels, le: String(b) }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...c.labels, le: '+Inf' }, value: c.count, metricName: `${this.name}_bucket` });
      values.push({ labels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}

/** A metric whose values are read when /metrics is scraped (gauges, and counters kept elsewhere as plain numbers). */
export class ScrapedMetric implements Collectable {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly type: 'counter' | 'gauge',
    private readonly read: () => MetricValue[] | Promise<MetricValue[]>,
  ) {}

  async get(): Promise<MetricData> {
    return { name: this.name, help: this.help, type: this.type as 'counter', aggregator: 'sum', values: await this.read() };
  }
}
