// npm run bench:atlas — prints JSON: render throughput (megapixels/s, one core) and the wall time of the demo preset.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAtlas, GENERATOR_VERSION, planSection } from '../index.ts';
import { renderStrip } from '../src/render/strip.ts';

const section = planSection({
  gestationalWeek: 24,
  plane: 'coronal',
  position: 0.5,
  micronsPerPixel: 1,
  lengthMm: 6,
  seed: 3,
});
const { width, height } = section.geometry;
const started = performance.now();
const cpu = process.cpuUsage();
for (let y = 0; y < height; y += 512) renderStrip(section.renderer, y, Math.min(height, y + 512));
const renderSeconds = (performance.now() - started) / 1000;
const renderCpu = process.cpuUsage(cpu);
const renderCpuSeconds = (renderCpu.user + renderCpu.system) / 1e6;

const dir = await mkdtemp(join(tmpdir(), 'atlas-bench-'));
try {
  const demo = await generateAtlas({ preset: 'demo', seed: 1, out: join(dir, 'demo') });
  console.log(
    JSON.stringify(
      {
        generatorVersion: GENERATOR_VERSION,
        render: {
          megapixels: (width * height) / 1e6,
          seconds: renderSeconds,
          megapixelsPerSecond: (width * height) / 1e6 / renderSeconds,
          megapixelsPerCpuSecond: (width * height) / 1e6 / renderCpuSeconds,
          micronsPerPixel: 1,
        },
        demo: {
          seconds: demo.stats.seconds,
          cpuSeconds: demo.stats.cpuSeconds,
          sections: demo.stats.sections,
          tiles: demo.stats.tiles,
          megapixels: demo.stats.megapixels,
          megapixelsPerSecond: demo.stats.megapixelsPerSecond,
        },
        cpus: (await import('node:os')).cpus().length,
        loadAverage: (await import('node:os')).loadavg()[0],
      },
      null,
      2,
    ),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
