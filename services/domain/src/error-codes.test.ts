import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from './error-codes.js';

describe('error codes', () => {
  it('are snake_case, each listed once', () => {
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('tells ours from other strings', () => {
    expect(isErrorCode('unknown_region')).toBe(true);
    expect(isErrorCode('unknown-region')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});
