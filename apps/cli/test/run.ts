import { vi } from 'vitest';
import { main } from '@cytoclip/cli';

/** Runs the CLI in this process and returns its exit status with what it wrote to stdout and stderr. */
export async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true)),
    vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (err += `${parts.join(' ')}\n`)),
  ];
  try {
    return { code: await main(argv), out, err };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
