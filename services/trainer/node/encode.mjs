// Encodes texts with @huggingface/tokenizers (the Node runtime's tokenizer) so the Python tests can compare ids.
// Usage: node encode.mjs <tokenizer.json> <texts.json>  -> prints a JSON array of id arrays.
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

const [tokenizerPath, textsPath] = process.argv.slice(2);
const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerPath, 'utf8')), {});
const texts = JSON.parse(readFileSync(textsPath, 'utf8'));
process.stdout.write(JSON.stringify(texts.map((t) => Array.from(tokenizer.encode(t).ids))));
