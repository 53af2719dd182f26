/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text a service's `/metrics` answers (prom-client): comments skipped. */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      for (const l of m[2].matchAll(LABEL))
        labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** Metrics of one scrape, with lookups by name and label subset. */
export class Metrics {
  constructor(readonly samples: Sample[]) {}

  static parse(text: string): Metrics {
    return new Metrics(parseMetrics(text));
  }

  /** Samples named `name` whose labels include `match`. */
  select(name: string, match: Record<string, string> = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** Sum of the matching samples (0 when none). */
  sum(name: string, match: Record<string, string> = {}): number {
    return this.select(name, match).reduce((a, s) => a + s.value, 0);
  }

  /** Sum per value of one label. */
  by(name: string, label: string, match: Record<string, string> = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.select(name, match)) {
      const k = s.labels[label] ?? '';
      out[k] = (out[k] ?? 0) + s.value;
    }
    return out;
  }

  /**
   * A histogram's count, sum, and the smallest bucket bound that holds every observation (an
   * upper bound of the largest one; Infinity when only +Inf does).
   */
  histogram(
    name: string,
    match: Record<string, string> = {},
  ): { count: number; sum: number; maxAtMost: number } {
    const count = this.sum(`${name}_count`, match);
    const sum = this.sum(`${name}_sum`, match);
    const buckets = new Map<number, number>();
    for (const s of this.select(`${name}_bucket`, match)) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
    let maxAtMost = count > 0 ? Infinity : 0;
    for (const le of [...buckets.keys()].sort((a, b) => a - b)) {
      if (count > 0 && buckets.get(le)! >= count) {
        maxAtMost = le;
        break;
      }
    }
    return { count, sum, maxAtMost };
  }
}

/** Scrapes `<baseUrl>/metrics`. */
export async function scrape(baseUrl: string): Promise<Metrics> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`${baseUrl}/metrics answered ${res.status}`);
  return Metrics.parse(await res.text());
}
