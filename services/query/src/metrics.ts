/** A small Prometheus text-format registry: request counts, latency histograms, search counts. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function labels(record: Record<string, string>): string {
  const parts = Object.entries(record).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly histograms = new Map<string, { counts: number[]; sum: number; count: number }>();
  private readonly searches = new Map<string, number>();

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = labels({ method, route, status: String(status) });
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hKey = labels({ method, route });
    const h = this.histograms.get(hKey) ?? { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]! += 1;
    });
    h.sum += seconds;
    h.count += 1;
    this.histograms.set(hKey, h);
  }

  countSearch(query: string, target: string): void {
    const key = labels({ query, target });
    this.searches.set(key, (this.searches.get(key) ?? 0) + 1);
  }

  render(): string {
    const lines = [
      '# HELP cytoclip_http_requests_total HTTP requests by route and status.',
      '# TYPE cytoclip_http_requests_total counter',
    ];
    for (const [key, n] of this.requests) lines.push(`cytoclip_http_requests_total${key} ${n}`);
    lines.push(
      '# HELP cytoclip_http_request_duration_seconds Request latency.',
      '# TYPE cytoclip_http_request_duration_seconds histogram',
    );
    for (const [key, h] of this.histograms) {
      const inner = key.slice(1, -1);
      BUCKETS.forEach((b, i) =>
        lines.push(`cytoclip_http_request_duration_seconds_bucket{${inner},le="${b}"} ${h.counts[i]}`),
      );
      lines.push(`cytoclip_http_request_duration_seconds_bucket{${inner},le="+Inf"} ${h.count}`);
      lines.push(`cytoclip_http_request_duration_seconds_sum${key} ${h.sum}`);
      lines.push(`cytoclip_http_request_duration_seconds_count${key} ${h.count}`);
    }
    lines.push(
      '# HELP cytoclip_searches_total Searches by query kind and target.',
      '# TYPE cytoclip_searches_total counter',
    );
    for (const [key, n] of this.searches) lines.push(`cytoclip_searches_total${key} ${n}`);
    return `${lines.join('\n')}\n`;
  }
}
