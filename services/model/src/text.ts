import { Tokenizer } from '@huggingface/tokenizers';
import { CytoclipError, type TextSpec } from '@cytoclip/domain';

/** Words as unknownWords sees them: runs of letters and digits (punctuation is never "unknown"). */
const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The package's text rule: normalise (lowercase if the package says so, collapse whitespace), encode with the
 * tokenizer WITHOUT its own special tokens, then [bos] ids [eos], truncated keeping the eos, padded with pad.
 * The trainer writes reference ids with the same rule, so the two runtimes agree whatever post-processor
 * tokenizer.json carries.
 */
export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly unkIds: Set<number>;
  private readonly specialIds: Set<number>;

  constructor(
    tokenizerJson: Record<string, unknown>,
    readonly spec: TextSpec,
  ) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, {});
    } catch (error) {
      throw new CytoclipError(
        'invalid_model_package',
        `tokenizer.json could not be loaded: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const model = tokenizerJson.model as { unk_token?: string | null };
    const unk = typeof model.unk_token === 'string' ? this.tokenizer.token_to_id(model.unk_token) : undefined;
    this.unkIds = new Set(unk === undefined ? [] : [unk]);
    this.specialIds = new Set([spec.bosTokenId, spec.eosTokenId, spec.padTokenId]);
  }

  normalise(text: string): string {
    const collapsed = text.split(/\s+/).filter(Boolean).join(' ');
    return this.spec.lowercase ? collapsed.toLowerCase() : collapsed;
  }

  /** Token ids of one text without bos/eos/pad. */
  pieces(text: string): number[] {
    return this.tokenizer.encode(this.normalise(text), { add_special_tokens: false }).ids;
  }

  /** input_ids for the text graph: exactly contextLength ids. */
  encode(text: string): number[] {
    const { contextLength, bosTokenId, eosTokenId, padTokenId } = this.spec;
    const ids = [bosTokenId, ...this.pieces(text).slice(0, contextLength - 2), eosTokenId];
    while (ids.length < contextLength) ids.push(padTokenId);
    return ids;
  }

  /** Batch of input_ids as the int64 tensor data the text graph takes. */
  encodeBatch(texts: string[]): BigInt64Array {
    const n = this.spec.contextLength;
    const out = new BigInt64Array(texts.length * n);
    texts.forEach((text, i) => this.encode(text).forEach((id, j) => (out[i * n + j] = BigInt(id))));
    return out;
  }

  /**
   * Query words the tokenizer does not know as whole words. A word is a run of letters/digits of the normalised
   * text; it is unknown when any of its tokens is the unknown token, or, for a word with letters, when it takes more
   * than one token (a subword vocabulary spells out a word it never saw as a word). Numbers split digit by digit
   * (CLIP does) are not unknown. Distinct, in order of appearance.
   */
  unknownWords(text: string): string[] {
    const out: string[] = [];
    for (const word of this.normalise(text).match(WORD) ?? []) {
      if (out.includes(word)) continue;
      const ids = this.tokenizer
        .encode(word, { add_special_tokens: false })
        .ids.filter((id: number) => !this.specialIds.has(id));
      const hasLetters = /\p{L}/u.test(word);
      if (ids.some((id: number) => this.unkIds.has(id)) || (hasLetters && ids.length !== 1)) out.push(word);
    }
    return out;
  }
}
