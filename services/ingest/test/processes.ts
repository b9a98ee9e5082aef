import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../test/support/index.js';

export interface WorkerRun {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
}

/** Starts test/worker.ts in its own Node process; `onLine` sees each JSON line as it arrives. */
export function startWorker(
  args: string[],
  onLine?: (line: Record<string, unknown>, run: WorkerRun) => void,
  env: Record<string, string> = {},
): WorkerRun {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, 'services/ingest/test/worker.ts'), ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: undefined, ...env },
    },
  );
  const run: WorkerRun = {
    child,
    lines: [],
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      run.lines.push(line);
      onLine?.(line, run);
    }
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`worker exited ${code}:\n${stderr}`);
  });
  return run;
}

export function reportOf(run: WorkerRun): {
  processed: { done: number; failed: number; tiles: number };
  status: string;
} {
  const line = run.lines.find((l) => 'report' in l);
  if (!line) throw new Error('the worker printed no report');
  return line.report as never;
}
