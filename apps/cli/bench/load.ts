// The load half of bench:query, in its own process: CONCURRENCY loops of text searches against 127.0.0.1 for
// SECONDS seconds, then one JSON line with requests, errors and requests/s.
const [url = '', secondsText = '30', concurrencyText = '8', textsJson = '[]'] = process.argv.slice(2);
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`load only targets http://127.0.0.1:<port>, got ${url}`);
const seconds = Math.min(120, Number(secondsText));
const texts = JSON.parse(textsJson) as string[];
const deadline = performance.now() + seconds * 1000;
let requests = 0;
let errors = 0;
const firstErrors: string[] = [];

async function loop(worker: number): Promise<void> {
  let i = worker;
  while (performance.now() < deadline) {
    const filtered = i % 2 === 1;
    // Each text is new (a running number), so the server's text-embedding cache never answers.
    const body = JSON.stringify({
      query: { text: `${texts[i % texts.length]} ${worker}-${i++}` },
      limit: 20,
      ...(filtered ? { filter: { planes: ['coronal'] } } : {}),
    });
    try {
      const res = await fetch(`${url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      if (res.ok) requests++;
      else {
        errors++;
        if (firstErrors.length < 3) firstErrors.push(`HTTP ${res.status}`);
      }
    } catch (error) {
      errors++;
      if (firstErrors.length < 3) firstErrors.push(String(error));
    }
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: Number(concurrencyText) }, (_, w) => loop(w)));
const elapsed = (performance.now() - started) / 1000;
process.stdout.write(
  JSON.stringify({
    seconds: Math.round(elapsed * 10) / 10,
    concurrency: Number(concurrencyText),
    requests,
    errors,
    requestsPerSecond: Math.round((requests / elapsed) * 10) / 10,
    firstErrors,
  }),
);
