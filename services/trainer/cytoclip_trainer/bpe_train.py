"""Learns a small byte-level BPE vocabulary from the caption corpus, so unseen words still share pieces with known ones.
Ties between equally frequent pairs go to the lexicographically smallest pair, so the result is deterministic."""
from collections import Counter, defaultdict

from .errors import CytoclipError
from .tokenizer import BOS, EOS, PAD, SUFFIX, BPETokenizer, bytes_to_unicode, initial_symbols, normalize, pre_tokenize

MAX_VOCAB = 8192


def base_vocab() -> dict:
    chars = list(bytes_to_unicode().values())
    tokens = [PAD, BOS, EOS] + chars + [c + SUFFIX for c in chars]
    return {t: i for i, t in enumerate(tokens)}


def _pairs(symbols: tuple):
    return zip(symbols, symbols[1:])


def train_bpe(texts: list, vocab_size: int = 4096, min_frequency: int = 2) -> BPETokenizer:
    if vocab_size > MAX_VOCAB:
        raise CytoclipError('bad-vocab-size', f'vocab_size {vocab_size} exceeds the mini models\' limit {MAX_VOCAB}')
    vocab = base_vocab()
    if vocab_size <= len(vocab):
        raise CytoclipError('bad-vocab-size', f'vocab_size {vocab_size} leaves no room for merges ({len(vocab)} base)')
    word_freq = Counter(w for t in texts for w in pre_tokenize(normalize(t)))
    words = {w: initial_symbols(w) for w in word_freq}
    pair_freq, where = Counter(), defaultdict(set)
    for w, syms in words.items():
        for p in _pairs(syms):
            pair_freq[p] += word_freq[w]
            where[p].add(w)
    merges = []
    while len(vocab) < vocab_size and pair_freq:
        best = min(pair_freq.items(), key=lambda kv: (-kv[1], kv[0]))
        if best[1] < min_frequency:
            break
        pair = best[0]
        merges.append(pair)
        vocab[pair[0] + pair[1]] = len(vocab)
        for w in list(where[pair]):
            _apply_merge(w, pair, words, word_freq, pair_freq, where)
    return BPETokenizer(vocab, merges, pad=PAD)


def _apply_merge(w, pair, words, word_freq, pair_freq, where):
    old = words[w]
    for p in _pairs(old):
        pair_freq[p] -= word_freq[w]
        if pair_freq[p] <= 0:
            del pair_freq[p]
        where[p].discard(w)
    new, i = [], 0
    while i < len(old):
        if i < len(old) - 1 and (old[i], old[i + 1]) == pair:
            new.append(old[i] + old[i + 1])
            i += 2
        else:
            new.append(old[i])
            i += 1
    words[w] = tuple(new)
    for p in _pairs(words[w]):
        pair_freq[p] += word_freq[w]
        where[p].add(w)
