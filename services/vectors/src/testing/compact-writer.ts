// Rewrites the same points and compacts, forever, in <dir>, until it is killed: the compaction test SIGKILLs it, at a
// random moment or (given a step) at that step of the second compaction. Each round upserts identical points (same
// ids, vectors, payloads), so the live points never change while the rows, segments and caches keep being replaced.
import type { CompactStep } from '../embedded/collection.js';
import { EmbeddedVectorStore } from '../embedded/store.js';
import { makePoints } from './fixtures.js';

const [dir = '', dim = '32', perSection = '400', killAt = ''] = process.argv.slice(2);
const points = makePoints(Number(dim), Number(perSection), 11);
let round = 0;
let segmentsWritten = 0;
const compactProbe = (step: CompactStep) => {
  if (round < 2 || step !== killAt) return;
  if (step === 'segment-written' && ++segmentsWritten < 3) return; // mid-way through the new segments
  process.kill(process.pid, 'SIGKILL');
};
const store = await EmbeddedVectorStore.open(dir, {
  indexFrom: 500,
  compactSegmentPoints: 150,
  compactShare: 2,
  compactProbe,
});
await store.ensureCollection('tiles', { dim: Number(dim) });
for (round = 1; ; round++) {
  // Batches in a rotating order, so each compaction renumbers the rows (the old int8 cache no longer fits them).
  for (let b = 0; b < 4; b++) {
    const start = ((b + round) % 4) * 500;
    await store.upsert('tiles', points.slice(start, start + 500));
  }
  await store.compact('tiles');
  if (round === 1) process.stdout.write('ready\n');
}
