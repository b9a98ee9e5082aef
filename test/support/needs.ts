/**
 * Tests that need something outside `npm test`'s promise (PostgreSQL, Chromium, PyTorch, ../shared, a Qdrant server)
 * ask for it here. Locally they skip with the printed reason; under CI=true a missing requirement fails the run,
 * so CI can never go green by skipping.
 */
export function needs(what: string, missingReason: string | null | undefined): boolean {
  if (!missingReason) return true;
  const message = `${what} unavailable: ${missingReason}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: required tests may not skip)`);
  console.warn(`[skip] ${message}`);
  return false;
}
