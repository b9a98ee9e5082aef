import json
import os
import shutil
import subprocess

import pytest

from conftest import CLIP_BPE, needs
from cytoclip_trainer.bpe_train import train_bpe
from cytoclip_trainer.fixtures import CAPTIONS, ONTOLOGY
from cytoclip_trainer.parity import REPO
from cytoclip_trainer.tokenizer import BPETokenizer, load_clip_reference, pre_tokenize

NODE_ENCODE = os.path.join(REPO, 'services', 'trainer', 'node', 'encode.mjs')


def clip_tokenizer():
    needs('CLIP BPE reference', None if os.path.isfile(os.path.join(CLIP_BPE, 'vocab.json')) else f'{CLIP_BPE} absent')
    return load_clip_reference(CLIP_BPE)


def test_clip_reference_ids():
    tok = clip_tokenizer()
    assert tok.encode('a photo of a cat') == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert tok.encode('a diagram') == [49406, 320, 22697, 49407]
    assert tok.encode('A  Photo\tOF a CAT') == tok.encode('a photo of a cat')


def test_clip_split_pattern():
    assert pre_tokenize("it's 12 cells!!") == ['it', "'s", '1', '2', 'cells', '!!']


def test_keep_eos_truncation_and_padding():
    tok = clip_tokenizer()
    ids = tok.encode_padded(' '.join(['cortex'] * 100), 77)
    assert len(ids) == 77 and ids[0] == 49406 and ids[-1] == 49407
    short = tok.encode_padded('a diagram', 8)
    assert short == [49406, 320, 22697, 49407, 0, 0, 0, 0]


def corpus():
    texts = [c for cs in CAPTIONS.values() for c in cs]
    for r in ONTOLOGY['regions']:
        texts += [r['name'], r['description']]
    return texts


def test_trained_bpe_is_deterministic_and_shares_pieces():
    a, b = train_bpe(corpus() * 3, 700), train_bpe(corpus() * 3, 700)
    assert a.merges == b.merges and a.vocab == b.vocab
    assert a.bos_id == 1 and a.eos_id == 2 and a.pad_id == 0
    assert len(a.tokens('cortical')) == 1
    # An unseen word is spelled with learned pieces, not only single bytes.
    pieces = a.tokens('corticospinal')
    assert 1 < len(pieces) < len('corticospinal') and pieces[0] == 'cortic'


def test_trained_bpe_round_trips_through_tokenizer_json(tmp_path):
    tok = train_bpe(corpus() * 3, 700)
    tok.save(str(tmp_path / 'tokenizer.json'))
    again = BPETokenizer.load(str(tmp_path / 'tokenizer.json'))
    for text in corpus():
        assert again.encode(text) == tok.encode(text)


def queries() -> list:
    """A few hundred captions and queries: the corpus, search-like queries, odd punctuation, unicode, long text."""
    words = ['cortical', 'plate', 'subplate', 'dense', 'granular', 'cells', 'ventricular', 'zone', 'layered',
             'cortex', 'GW21', 'fibre-rich', "neuron's", 'Nissl', 'hippocampus', 'CA1', 'naïve', 'café', '東京',
             'x=3.5µm', '(SP)', 'radial glia', 'MGE/LGE', "it'll", 'ŒUVRE', '  spaced   out  ']
    out = corpus()
    for i in range(len(words)):
        for j in range(0, len(words), 3):
            out.append(f'{words[i]} {words[j]} {words[(i * j) % len(words)]}')
    out += ['', '!!!', '123456', 'a NISSL-stained image of the cortical plate (CP)', ' '.join(words) * 4]
    return out


@pytest.mark.parametrize('which', ['clip', 'trained'])
def test_python_and_node_tokenizers_agree(tmp_path, which):
    needs('node', None if shutil.which('node') else 'node is not on PATH')
    needs('@huggingface/tokenizers', None if os.path.isdir(os.path.join(REPO, 'node_modules', '@huggingface', 'tokenizers'))
          else 'not installed (npm ci)')
    tok = clip_tokenizer() if which == 'clip' else train_bpe(corpus() * 3, 700)
    texts = queries()
    assert len(texts) >= 200
    tok.save(str(tmp_path / 'tokenizer.json'))
    (tmp_path / 'texts.json').write_text(json.dumps(texts))
    proc = subprocess.run(['node', NODE_ENCODE, str(tmp_path / 'tokenizer.json'), str(tmp_path / 'texts.json')],
                          cwd=REPO, capture_output=True, text=True, check=True)
    node_ids = json.loads(proc.stdout)
    mismatched = [t for t, ids in zip(texts, node_ids) if ids != tok.encode(t)]
    assert mismatched == []
