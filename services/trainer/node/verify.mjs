// Parity check of a model package (formats.md §3) in Node: onnxruntime-node must reproduce reference.json.
// Text and float inputs within reference.tolerance (max abs difference); PNGs decoded by sharp within
// reference.imageCosine; tokenizer.json (via @huggingface/tokenizers) must give the reference token ids.
// Also calls verifyModelPackage from @cytoclip/model when that package provides it.
// Usage: node --conditions=source --import tsx verify.mjs <package dir> (tsx lets it load @cytoclip/model's sources).
// Exit 0 ok, 1 mismatch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { Tokenizer } from '@huggingface/tokenizers';

const dir = process.argv[2];
const read = (p) => JSON.parse(readFileSync(join(dir, p), 'utf8'));
const model = read('model.json');
const ref = read(model.files.reference?.path ?? 'reference.json');
const failures = [];

// Compared after L2 normalisation, as services/model's verifyModelPackage does (the runtime normalises).
const unit = (a) => { const n = Math.hypot(...a); return a.map((v) => v / n); };
const maxAbs = (a, b) => { const ua = unit(Array.from(a)), ub = unit(Array.from(b)); return ua.reduce((m, v, i) => Math.max(m, Math.abs(v - ub[i])), 0); };
const cosine = (a, b) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
};
const rows = (data, n) => Array.from({ length: n }, (_, i) => Array.from(data.slice((i * data.length) / n, ((i + 1) * data.length) / n)));
const session = (p) => ort.InferenceSession.create(join(dir, p), { intraOpNumThreads: 1 });

async function checkText() {
  const s = await session(model.files.textEncoder.path);
  const ctx = model.text.contextLength;
  const ids = BigInt64Array.from(ref.text.flatMap((t) => t.inputIds.map(BigInt)));
  const out = await s.run({ input_ids: new ort.Tensor('int64', ids, [ref.text.length, ctx]) });
  const got = rows(out.text_embeds.data, ref.text.length);
  const worst = Math.max(...got.map((g, i) => maxAbs(g, ref.text[i].embedding)));
  if (!(worst <= ref.tolerance)) failures.push(`text embeddings differ by ${worst}`);
  return worst;
}

function checkTokenizer() {
  const tok = new Tokenizer(read(model.files.tokenizer.path), {});
  const { contextLength: ctx, eosTokenId: eos, padTokenId: pad } = model.text;
  for (const t of ref.text) {
    let ids = Array.from(tok.encode(t.caption).ids);
    if (ids.length > ctx) ids = [...ids.slice(0, ctx - 1), eos];
    ids = [...ids, ...Array(ctx - ids.length).fill(pad)];
    if (ids.join() !== t.inputIds.join()) failures.push(`tokenizer ids differ for ${JSON.stringify(t.caption)}`);
  }
}

async function checkImages() {
  const s = await session(model.files.imageEncoder.path);
  const { size, mean, std } = model.image;
  const pv = ref.pixelValues;
  const buf = readFileSync(join(dir, pv.path));
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const out = await s.run({ pixel_values: new ort.Tensor('float32', Float32Array.from(data), pv.shape) });
  const got = rows(out.image_embeds.data, pv.shape[0]);
  const worst = Math.max(...got.map((g, i) => maxAbs(g, pv.embeddings[i])));
  if (!(worst <= ref.tolerance)) failures.push(`image embeddings differ by ${worst}`);
  let minCos = 1;
  for (const img of ref.images) {
    const { data: px } = await sharp(join(dir, img.path)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const x = new Float32Array(3 * size * size);
    for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) x[c * size * size + i] = (px[i * 3 + c] / 255 - mean[c]) / std[c];
    const o = await s.run({ pixel_values: new ort.Tensor('float32', x, [1, 3, size, size]) });
    minCos = Math.min(minCos, cosine(Array.from(o.image_embeds.data), img.embedding));
  }
  if (!(minCos >= ref.imageCosine)) failures.push(`PNG embeddings cosine ${minCos} < ${ref.imageCosine}`);
  return { worst, minCos };
}

async function runtimeCheck() {
  try {
    const m = await import('@cytoclip/model');
    if (typeof m.verifyModelPackage !== 'function') return 'not provided by @cytoclip/model';
    const r = await m.verifyModelPackage(dir);
    if (r && r.ok === false) failures.push(`verifyModelPackage: ${r.failures.join('; ')}`);
    return `ok=${r.ok} text ${r.textMaxAbsDiff?.toExponential(2)} pixels ${r.pixelMaxAbsDiff?.toExponential(2)} images cos ${r.imageMinCosine?.toFixed(6)}`;
  } catch (e) {
    return `not available (${String(e.message ?? e).split('\n')[0]})`;
  }
}

checkTokenizer();
const textWorst = await checkText();
const { worst, minCos } = await checkImages();
const runtime = await runtimeCheck();
const summary = `parity: text max|diff| ${textWorst.toExponential(2)}, image max|diff| ${worst.toExponential(2)}, PNG min cosine ${minCos.toFixed(6)}, tokenizer ${ref.text.length} captions; @cytoclip/model verifyModelPackage: ${runtime}`;
console.log(failures.length ? `FAILED: ${failures.join('; ')}\n${summary}` : `ok ${summary}`);
process.exit(failures.length ? 1 : 0);
