"""Locked-image text tuning: the image tower stays bit-for-bit, the text tower and tokenizer are new, captions come
from the thesaurus, a caption about a parent region targets every image below it, and the trimmed text forward
equals the exported one."""
import json
import os

import numpy as np
import pytest
import torch

from cytoclip_trainer.__main__ import main
from cytoclip_trainer.errors import CytoclipError
from cytoclip_trainer.fixtures import ONTOLOGY
from cytoclip_trainer.grammar import Grammar, load_thesaurus
from cytoclip_trainer.lit import ScopeIndex, encode_text_trimmed
from cytoclip_trainer.package import load_package

THESAURUS = {
    'format': 'cytoclip-thesaurus/1',
    'sources': {'T': 'a test'},
    'regions': {
        'Br': {'names': ['brain', 'encephalon'], 'looks': ['the whole brain'], 'positions': ['in the skull']},
        'CP': {'names': ['cortical plate', 'neocortical anlage'], 'abbreviations': ['CP'], 'cellTypes': ['young neurons'],
               'looks': ['tightly packed radial columns'], 'descriptors': ['dense', 'small'],
               'positions': ['beneath the marginal zone'], 'ages': [{'from': 14, 'to': 30, 'looks': ['unlaminated']}]},
        'SP': {'names': ['subplate zone'], 'cellTypes': ['subplate neurons'], 'looks': ['pale wide neuropil'],
               'descriptors': ['sparse', 'large'], 'positions': ['below the cortical plate']},
        'VZ': {'names': ['ventricular zone', 'neuroepithelium'], 'cellTypes': ['radial glia'],
               'looks': ['palisade of dark nuclei'], 'descriptors': ['dense'], 'positions': ['lining the ventricle']},
    },
    'descriptors': {'dense': ['densely packed', 'cell-dense'], 'sparse': ['cell-sparse'], 'small': ['small cells'],
                    'large': ['large somata']},
    'stains': ['Nissl-stained'], 'imageWords': {'tile': ['tile'], 'region': ['region image']},
    'planes': {'coronal': ['coronal'], 'axial': ['axial']},
    'ageWords': {'stages': [{'from': 8, 'to': 25, 'words': ['mid-gestation']}], 'formats': ['{gw} GW', '{pcw} pcw']},
}


@pytest.fixture()
def thesaurus_path(tmp_path):
    path = tmp_path / 'thesaurus.json'
    path.write_text(json.dumps(THESAURUS))
    return str(path)


def test_grammar_writes_varied_captions_within_scope(thesaurus_path):
    grammar = Grammar(load_thesaurus(thesaurus_path), ONTOLOGY, 'tile', parent_share=0.5)
    rng = np.random.default_rng(0)
    item = {'region': 'CP', 'gestationalWeek': 19, 'plane': 'coronal'}
    drawn = [grammar.caption(item, rng) for _ in range(300)]
    assert {scope for _, scope, _ in drawn} == {'CP'}  # Br is the root: never a scope
    texts = {t for t, _, _ in drawn}
    assert len(texts) > 40
    assert any('neocortical anlage' in t for t in texts) and any('young neurons' in t for t in texts)
    assert any('19 GW' in t or '17 pcw' in t or 'mid-gestation' in t for t in texts)


def test_thesaurus_errors_name_the_problem(tmp_path, thesaurus_path):
    incomplete = dict(THESAURUS, regions={k: v for k, v in THESAURUS['regions'].items() if k != 'SP'})
    (tmp_path / 'bad.json').write_text(json.dumps(incomplete))
    with pytest.raises(CytoclipError, match='lacks regions SP'):
        Grammar(load_thesaurus(str(tmp_path / 'bad.json')), ONTOLOGY, 'tile')
    (tmp_path / 'old.json').write_text(json.dumps(dict(THESAURUS, format='cytoclip-thesaurus/0')))
    with pytest.raises(CytoclipError, match='expected .cytoclip-thesaurus/1'):
        load_thesaurus(str(tmp_path / 'old.json'))


def test_a_parent_scope_targets_every_image_below_it(thesaurus_path):
    ontology = {'regions': ONTOLOGY['regions'] + [
        {'acronym': 'CW', 'name': 'wall', 'parent': 'Br'}]}
    ontology['regions'] = [dict(r, parent='CW') if r['acronym'] in ('CP', 'SP') else r for r in ontology['regions']]
    doc = dict(THESAURUS, regions=dict(THESAURUS['regions'], CW={'names': ['wall']}))
    grammar = Grammar(doc, ontology, 'tile')
    index = ScopeIndex(grammar, ['CP', 'SP', 'VZ', 'CP'])
    assert index.matrix(['CW', 'VZ', 'SP']).tolist() == [[1, 1, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]


def test_lit_locks_the_image_tower_and_writes_a_new_version(tiny_dataset, thesaurus_path, tmp_path):
    locked = str(tmp_path / 'locked')
    assert main(['export', '--random', '--config', 'tiny', '--dataset', tiny_dataset, '--out', locked,
                 '--no-verify']) == 0
    out = str(tmp_path / 'lit')
    assert main(['lit', '--package', locked, '--dataset', tiny_dataset, '--thesaurus', thesaurus_path, '--out', out,
                 '--steps', '6', '--batch-size', '16', '--vocab-size', '600', '--views', '2', '--corpus', '500',
                 '--ckpt-every', '6', '--log-every', '3']) == 0
    before, _, _ = load_package(locked)
    after, tokenizer, doc = load_package(os.path.join(out, 'package'))
    assert doc['version'] == '2' and doc['training']['lockedImageTower'] == 'cytoclip-tiny-random@1'
    for key, value in before.visual.state_dict().items():
        assert torch.equal(value, after.visual.state_dict()[key]), key
    assert tokenizer.vocab_size != before.cfg.text.vocab_size or not torch.equal(
        before.token_embedding.weight, after.token_embedding.weight)
    ids = torch.tensor([tokenizer.encode_padded(t, after.cfg.text.context_length)
                        for t in ['radial glia lining the ventricle', 'CP', 'pale wide neuropil at 19 GW']])
    with torch.no_grad():
        assert torch.allclose(encode_text_trimmed(after, ids), after.encode_text(ids), atol=1e-5)
    log = [json.loads(line) for line in open(os.path.join(out, 'train-log.jsonl'))]
    assert log[-1]['step'] == 6 and 0 <= log[-1]['valCaptionPrecisionAt10'] <= 1
