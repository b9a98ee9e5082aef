import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../src/platform.js';

describe('settingsFromEnv', () => {
  it('reads CYTOCLIP_THREADS, leaving the default to each command when unset', () => {
    expect(settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent' }).threads).toBeUndefined();
    expect(settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', CYTOCLIP_THREADS: '3' }).threads).toBe(3);
  });

  it.each(['0', '-1', '1.5', 'many'])('refuses CYTOCLIP_THREADS=%s with a clear error', (value) => {
    expect(() => settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', CYTOCLIP_THREADS: value })).toThrow(
      /CYTOCLIP_THREADS must be a positive integer/,
    );
  });

  it('reads CYTOCLIP_IMAGE_WORKERS (0 keeps the image graph on the main thread)', () => {
    expect(settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent' }).imageWorkers).toBeUndefined();
    expect(settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', CYTOCLIP_IMAGE_WORKERS: '0' }).imageWorkers).toBe(0);
    expect(settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', CYTOCLIP_IMAGE_WORKERS: '4' }).imageWorkers).toBe(4);
  });

  it.each(['-1', '1.5', 'all'])('refuses CYTOCLIP_IMAGE_WORKERS=%s with a clear error', (value) => {
    expect(() => settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', CYTOCLIP_IMAGE_WORKERS: value })).toThrow(
      /CYTOCLIP_IMAGE_WORKERS must be a whole number/,
    );
  });

  it('reads CYTOCLIP_IMAGE_PRECISION (fp32 unless int8 is asked for) and refuses anything else', () => {
    expect(settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent' }).precision).toBe('fp32');
    expect(settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', CYTOCLIP_IMAGE_PRECISION: 'int8' }).precision).toBe(
      'int8',
    );
    expect(() => settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', CYTOCLIP_IMAGE_PRECISION: 'fp16' })).toThrow(
      /CYTOCLIP_IMAGE_PRECISION must be fp32 or int8/,
    );
  });

  it('refuses an unknown device and a bad port', () => {
    expect(() => settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', CYTOCLIP_DEVICE: 'tpu' })).toThrow(
      /CYTOCLIP_DEVICE must be cpu or cuda/,
    );
    expect(() => settingsFromEnv({ CYTOCLIP_MODELS: '/nonexistent', PORT: '70000' })).toThrow(
      /PORT must be a port number/,
    );
  });
});
