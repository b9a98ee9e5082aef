import { describe, expect, it } from 'vitest';
import { loadModelPackage } from '@cytoclip/model';
import type { TextSpec } from '@cytoclip/domain';
import { TextTokenizer } from '../src/text.js';
import { FIXTURE } from './helpers.js';

const SPEC: TextSpec = {
  contextLength: 8,
  lowercase: true,
  bosTokenId: 1,
  eosTokenId: 2,
  padTokenId: 0,
  pooling: 'first-eos',
  truncation: 'keep-eos',
};

/** A tiny WordPiece tokenizer.json with an unknown token, to test the unknown-token side of unknownWords. */
const VOCAB = ['<pad>', '<s>', '</s>', '[UNK]', 'cortical', 'plate', 'sub', '##plate', 'zone', 'a', '##b'];
const WORDPIECE = {
  version: '1.0',
  added_tokens: VOCAB.slice(0, 4).map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })),
  normalizer: {
    type: 'BertNormalizer',
    clean_text: true,
    handle_chinese_chars: true,
    strip_accents: false,
    lowercase: true,
  },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: null,
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])),
  },
};

describe('TextTokenizer', () => {
  const wp = new TextTokenizer(WORDPIECE, SPEC);

  it('wraps ids in bos/eos and pads to the context length', () => {
    expect(wp.encode('Cortical   PLATE')).toEqual([1, 4, 5, 2, 0, 0, 0, 0]);
  });

  it('truncates keeping the eos last', () => {
    const ids = wp.encode('cortical plate zone cortical plate zone cortical plate');
    expect(ids).toEqual([1, 4, 5, 8, 4, 5, 8, 2]);
    expect(ids).toHaveLength(SPEC.contextLength);
  });

  it('calls a word unknown when it becomes the unknown token or several subword pieces', () => {
    expect(wp.unknownWords('Subplate zone of the cortical plate, zone')).toEqual(['subplate', 'of', 'the']);
    expect(wp.unknownWords('ab zone 42')).toEqual(['ab', '42']);
    expect(wp.unknownWords('cortical plate')).toEqual([]);
  });

  it("reads the fixture's byte-level BPE: known words are whole tokens, new words and digits are not unknown alike", async () => {
    const pkg = await loadModelPackage(FIXTURE);
    const bpe = new TextTokenizer(pkg.tokenizer, pkg.manifest.text);
    expect(bpe.unknownWords('Cortical plate, ventricular zone')).toEqual([]);
    expect(bpe.unknownWords('neuroepithelium of the cortical plate at 21 weeks')).toContain('neuroepithelium');
    expect(bpe.unknownWords('cortical plate 21')).toEqual([]);
    expect(bpe.encode('cortical plate')).toHaveLength(pkg.manifest.text.contextLength);
  });
});
