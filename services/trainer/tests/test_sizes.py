"""--image-size / --context-length: the mini models are trained at 112 px and a 48-token context on CPU."""
import json
import os

import pytest

from cytoclip_trainer.__main__ import main
from cytoclip_trainer.config import get_config
from cytoclip_trainer.errors import CytoclipError
from cytoclip_trainer.model import CLIP
from cytoclip_trainer.train import load_checkpoint, model_from_checkpoint, with_sizes


def test_with_sizes_changes_only_the_input_edge_and_context():
    mini = get_config('mini')
    cfg = with_sizes(mini, 112, 48)
    assert cfg.vision.image_size == 112 and cfg.text.context_length == 48
    assert (cfg.vision.patch_size, cfg.vision.width, cfg.vision.layers, cfg.embed_dim) == (16, 192, 4, 256)
    model = CLIP(cfg.with_tokenizer(1024, 2))
    assert tuple(model.visual.positional_embedding.shape) == (7 * 7 + 1, 192)
    assert tuple(model.positional_embedding.shape) == (48, 192)
    assert with_sizes(mini) == mini
    with pytest.raises(CytoclipError, match='--image-size 100 is not a positive multiple of the mini patch size 16'):
        with_sizes(mini, 100)
    with pytest.raises(CytoclipError, match='--context-length 2'):
        with_sizes(mini, None, 2)


def test_train_at_a_smaller_size_exports_that_size(tiny_dataset, tmp_path):
    out = str(tmp_path / 'run')
    rc = main(['train', '--variant', 'tile', '--dataset', tiny_dataset, '--config', 'tiny', '--out', out,
               '--image-size', '32', '--context-length', '24', '--steps', '2', '--batch-size', '8',
               '--ckpt-every', '2', '--vocab-size', '700', '--no-eval'])
    assert rc == 0
    ckpt = load_checkpoint(os.path.join(out, 'checkpoint.pt'))
    assert ckpt['config']['vision']['image_size'] == 32 and ckpt['config']['text']['context_length'] == 24
    model, _, _ = model_from_checkpoint(os.path.join(out, 'checkpoint.pt'))  # reloads strictly at the new shapes
    assert model.cfg.vision.image_size == 32
    model_json = json.load(open(os.path.join(out, 'package', 'model.json')))
    assert model_json['image']['size'] == 32 and model_json['text']['contextLength'] == 24
    ref = json.load(open(os.path.join(out, 'package', 'reference.json')))
    assert all(len(c['inputIds']) == 24 for c in ref['text'])


def test_model_card_states_the_targets_and_notes(tmp_path):
    from cytoclip_trainer.model_card import main as card_main, target_lines
    metrics = {'testSets': {'held-out-ages': {'n': 5, 'zeroShot': {'macroF1': 0.909}, 'textToImage': {'precisionAt10': 0.95}},
                            'held-out-plane': {'n': 0}}}
    assert target_lines('tile', metrics) == [
        '- held-out-ages: zero-shot macro-F1 0.909 vs ≥ 0.91 (NOT met); text→image P@10 0.950 vs ≥ 0.9 (met)',
        '- held-out-plane: no items, not measured']
    capped = {'testSets': {'held-out-ages': {'n': 5, 'textToImage': {'precisionAt10': 0.4, 'attainableAt10': 0.5}}}}
    assert target_lines('region', capped)[0].endswith('(NOT met; a perfect ranking would score 0.500 on this set)')
    pkg = tmp_path / 'pkg'
    pkg.mkdir()
    doc = {'name': 'm', 'version': '1', 'variant': 'region', 'embeddingDim': 8, 'image': {'size': 112},
           'architecture': {'config': 'mini', 'vision': {'width': 1, 'layers': 1, 'patch_size': 16},
                            'text': {'width': 1, 'layers': 1, 'vocab_size': 9}},
           'training': {'steps': 3}, 'metrics': metrics}
    (pkg / 'model.json').write_text(json.dumps(doc))
    (tmp_path / 'notes.md').write_text('Trained on two shared cores.')
    assert card_main([str(pkg), '--notes', str(tmp_path / 'notes.md')]) == 0
    card = (pkg / 'MODEL_CARD.md').read_text()
    assert 'zero-shot macro-F1 0.909 vs ≥ 0.87 (met)' in card
    assert '## Notes\n\nTrained on two shared cores.' in card


def test_resumed_run_records_the_time_of_every_segment(tiny_dataset, tmp_path):
    from cytoclip_trainer.train import train
    args = {'variant': 'tile', 'config': 'tiny', 'dataset': tiny_dataset, 'out': str(tmp_path / 'r'), 'steps': 2,
            'batch_size': 8, 'vocab_size': 700, 'ckpt_every': 1, 'no_eval': True, 'no_export': True}
    train(dict(args, stop_after=1))
    first = load_checkpoint(str(tmp_path / 'r' / 'checkpoint.pt'))['seconds']
    assert first > 0
    train(dict(args, resume=True))
    assert load_checkpoint(str(tmp_path / 'r' / 'checkpoint.pt'))['seconds'] > first
