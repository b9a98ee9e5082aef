"""CLIP's byte-level BPE, written in the project, and a trainer for a small subword vocabulary of the same kind.

Both tokenizers share one pipeline so they save to the same Hugging Face tokenizer.json shape:
NFC -> whitespace runs to one space -> lowercase; split with CLIP's pattern
`'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+` (whitespace dropped); bytes mapped to printable
characters (GPT-2's byte table); BPE with the end-of-word suffix `</w>`; `bos ... eos` around the ids.
Python's `re` has no \\p{L}, so the split is a small scanner over Unicode categories."""
import json
import re
import unicodedata
from functools import lru_cache

from .errors import CytoclipError

SPLIT_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")
SUFFIX = '</w>'
BOS, EOS, PAD = '<|startoftext|>', '<|endoftext|>', '<|pad|>'


@lru_cache()
def bytes_to_unicode() -> dict:
    """GPT-2/CLIP's reversible map from the 256 bytes to printable characters."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def normalize(text: str) -> str:
    return re.sub(r'\s+', ' ', unicodedata.normalize('NFC', text)).lower()


def _kind(ch: str) -> str:
    if ch.isspace():
        return 's'
    cat = unicodedata.category(ch)
    return 'L' if cat.startswith('L') else 'N' if cat.startswith('N') else 'P'


def pre_tokenize(text: str) -> list:
    """CLIP's split: the regex alternatives tried in order at each position; whitespace is dropped."""
    words, i, n = [], 0, len(text)
    while i < n:
        kind = _kind(text[i])
        if kind == 's':
            i += 1
            continue
        hit = next((c for c in CONTRACTIONS if text.startswith(c, i)), None)
        if hit:
            words.append(hit)
            i += len(hit)
            continue
        if kind == 'N':
            words.append(text[i])
            i += 1
            continue
        j = i + 1
        while j < n and _kind(text[j]) == kind:
            j += 1
        words.append(text[i:j])
        i = j
    return words


def byte_encode(word: str) -> str:
    table = bytes_to_unicode()
    return ''.join(table[b] for b in word.encode('utf-8'))


def initial_symbols(word: str) -> tuple:
    chars = list(byte_encode(word))
    return tuple(chars[:-1]) + (chars[-1] + SUFFIX,)


class BPETokenizer:
    """Encodes text to ids exactly as the Hugging Face tokenizer.json written by `to_hf_json` does."""

    def __init__(self, vocab: dict, merges: list, bos: str = BOS, eos: str = EOS, pad: str = None):
        self.vocab = vocab
        self.merges = merges
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.bos, self.eos, self.pad = bos, eos, pad
        for tok in (bos, eos):
            if tok not in vocab:
                raise CytoclipError('bad-tokenizer', f'special token {tok!r} is not in the vocabulary')
        self.bos_id, self.eos_id = vocab[bos], vocab[eos]
        # OpenAI pads with 0; a project vocabulary has its own pad token at 0.
        self.pad_id = vocab[pad] if pad else 0
        self._cache = {}

    @property
    def vocab_size(self) -> int:
        return max(self.vocab.values()) + 1

    def bpe(self, word: str) -> list:
        if word in self._cache:
            return self._cache[word]
        symbols = list(initial_symbols(word))
        while len(symbols) > 1:
            pairs = [(self.ranks.get((a, b), None), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
            ranked = [(r, i) for r, i in pairs if r is not None]
            if not ranked:
                break
            best = min(ranked)[0]
            first, second = self.merges[best]
            merged, i = [], 0
            while i < len(symbols):
                if i < len(symbols) - 1 and symbols[i] == first and symbols[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        self._cache[word] = symbols
        return symbols

    def tokens(self, text: str) -> list:
        return [tok for word in pre_tokenize(normalize(text)) for tok in self.bpe(word)]

    def encode(self, text: str) -> list:
        """Ids with bos/eos, no truncation or padding (as Hugging Face's `encode`)."""
        return [self.bos_id] + [self.vocab[t] for t in self.tokens(text)] + [self.eos_id]

    def encode_padded(self, text: str, context_length: int) -> list:
        """Truncates keeping the end-of-text token last, then pads (model.json: truncation 'keep-eos')."""
        ids = self.encode(text)
        if len(ids) > context_length:
            ids = ids[:context_length - 1] + [self.eos_id]
        return ids + [self.pad_id] * (context_length - len(ids))

    def to_hf_json(self) -> dict:
        specials = [t for t in (self.pad, self.bos, self.eos) if t]
        return {
            'version': '1.0', 'truncation': None, 'padding': None,
            'added_tokens': [{'id': self.vocab[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False,
                              'normalized': False, 'special': True} for t in sorted(specials, key=self.vocab.get)],
            'normalizer': {'type': 'Sequence', 'normalizers': [
                {'type': 'NFC'}, {'type': 'Replace', 'pattern': {'Regex': '\\s+'}, 'content': ' '}, {'type': 'Lowercase'}]},
            'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
                {'type': 'Split', 'pattern': {'Regex': SPLIT_PATTERN}, 'behavior': 'Removed', 'invert': True},
                {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False}]},
            'post_processor': {'type': 'TemplateProcessing',
                               'single': [{'SpecialToken': {'id': self.bos, 'type_id': 0}},
                                          {'Sequence': {'id': 'A', 'type_id': 0}},
                                          {'SpecialToken': {'id': self.eos, 'type_id': 0}}],
                               'pair': [{'SpecialToken': {'id': self.bos, 'type_id': 0}},
                                        {'Sequence': {'id': 'A', 'type_id': 0}},
                                        {'SpecialToken': {'id': self.eos, 'type_id': 0}},
                                        {'Sequence': {'id': 'B', 'type_id': 1}},
                                        {'SpecialToken': {'id': self.eos, 'type_id': 1}}],
                               'special_tokens': {t: {'id': t, 'ids': [self.vocab[t]], 'tokens': [t]}
                                                  for t in (self.bos, self.eos)}},
            'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
            'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                      'end_of_word_suffix': SUFFIX, 'fuse_unk': False, 'byte_fallback': False,
                      'vocab': self.vocab, 'merges': [f'{a} {b}' for a, b in self.merges]},
        }

    def save(self, path: str):
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=False)

    @staticmethod
    def load(path: str) -> 'BPETokenizer':
        """Loads a tokenizer.json written by `save` (or a Hugging Face CLIP tokenizer.json)."""
        try:
            with open(path, encoding='utf-8') as f:
                doc = json.load(f)
            model = doc['model']
        except (OSError, ValueError, KeyError) as e:
            raise CytoclipError('bad-tokenizer', f'cannot read tokenizer {path}: {e}') from e
        merges = [tuple(m.split(' ')) if isinstance(m, str) else tuple(m) for m in model['merges']]
        specials = {t['content'] for t in doc.get('added_tokens', [])}
        pad = PAD if PAD in specials else None
        return BPETokenizer(model['vocab'], merges, pad=pad)


def load_clip_reference(folder: str) -> BPETokenizer:
    """OpenAI CLIP's tokenizer from the vocab.json + merges.txt layout (../shared/reference/clip-bpe)."""
    with open(f'{folder}/vocab.json', encoding='utf-8') as f:
        vocab = json.load(f)
    with open(f'{folder}/merges.txt', encoding='utf-8') as f:
        lines = f.read().split('\n')
    merges = [tuple(line.split(' ')) for line in lines[1:] if line and not line.startswith('#version')]
    return BPETokenizer(vocab, merges)
