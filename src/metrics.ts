// A few counters in the Prometheus text format, enough for dashboards and alerts on logins,
// issued credentials and refusals. No labels beyond a small fixed set, so memory stays bounded.

export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();

  private readonly prefix: string;

  constructor(prefix = 'hatrack_') {
    this.prefix = prefix;
  }

  inc(name: string, help: string, labels: Record<string, string> = {}): void {
    let counter = this.counters.get(name);
    if (!counter) this.counters.set(name, (counter = { help, values: new Map() }));
    const key = Object.entries(labels)
      .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
      .join(',');
    counter.values.set(key, (counter.values.get(key) ?? 0) + 1);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, { help, values }] of this.counters) {
      const full = `${this.prefix}${name}`;
      lines.push(`# HELP ${full} ${help}`, `# TYPE ${full} counter`);
      for (const [labels, value] of values) lines.push(`${full}${labels ? `{${labels}}` : ''} ${value}`);
    }
    return lines.join('\n') + '\n';
  }
}
