// The store thread's entry when running from the TypeScript sources (tests, `tsx` scripts): tsx's loader first.
// (A file, not an eval'd string: usearch finds its native build from the calling file's path.)
import { register } from 'tsx/esm/api';

register();
await import('./store-thread.ts');
