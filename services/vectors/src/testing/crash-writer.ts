// Writes batches forever into <dir> until it is killed: the crash-safety test SIGKILLs it mid-write.
import { EmbeddedVectorStore } from '../embedded/store.js';
import { makePoints } from './fixtures.js';

const dir = process.argv[2]!;
const store = await EmbeddedVectorStore.open(dir);
await store.ensureCollection('crash', { dim: 64 });
for (let seed = 1; ; seed++) {
  await store.upsert('crash', makePoints(64, 20, seed)); // 100 points, same ids each time, new vectors
  if (seed === 3) process.stdout.write('ready\n');
}
