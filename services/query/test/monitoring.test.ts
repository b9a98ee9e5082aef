import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../test/support/index.js';
import { Metrics } from '../src/metrics.js';

// docs/monitoring holds an example scrape config and a Grafana dashboard: they must name series the API exposes.
const DIR = join(REPO_ROOT, 'docs/monitoring');

interface Panel {
  id: number;
  title: string;
  datasource: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { expr: string; datasource: { uid: string } }[];
}

/** Every series name /metrics can show: the TYPE lines, histograms with their _bucket, _sum and _count. */
async function exposedNames(): Promise<Set<string>> {
  const text = await new Metrics().render();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('docs/monitoring', () => {
  it('scrapes /metrics with the admin key read from a file, never written in the config', () => {
    const text = readFileSync(join(DIR, 'prometheus.yml'), 'utf8');
    const config = parse(text) as { scrape_configs: Record<string, unknown>[] };
    const [api] = config.scrape_configs;
    expect(api).toMatchObject({
      job_name: 'cytoclip-api',
      metrics_path: '/metrics',
      authorization: { type: 'Bearer', credentials_file: expect.any(String) },
    });
    expect(text).not.toMatch(/^\s*credentials:/m);
  });

  it('has a dashboard whose every query names series the API exposes', async () => {
    const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[] };
    const names = await exposedNames();
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe('${datasource}');
      for (const target of panel.targets) {
        const series = target.expr.match(/\b(?:cytoclip|process|nodejs)_\w+/g) ?? [];
        expect(series.length, target.expr).toBeGreaterThan(0);
        for (const name of series) {
          expect(names.has(name), `${panel.title}: ${name}`).toBe(true);
          used.add(name);
        }
      }
    }
    // The series the issue asks to watch are all on it.
    for (const name of [
      'cytoclip_store_duration_seconds_bucket',
      'cytoclip_ingest_tiles_total',
      'cytoclip_index_points',
    ])
      expect(used.has(name), name).toBe(true);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const cells = dashboard.panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(cells).size).toBe(cells.length); // no panel hides another
  });
});
