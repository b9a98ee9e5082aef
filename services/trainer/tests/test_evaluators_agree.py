"""The Python evaluator and the Node one (services/model evaluateModel) agree within 0.01 on the same model."""
import pytest

from conftest import needs
from cytoclip_trainer.dataset import load_dataset
from cytoclip_trainer.evaluate import evaluate
from cytoclip_trainer.parity import node_available, node_evaluate
from cytoclip_trainer.train import train

FIGURES = [('zeroShot', 'accuracy'), ('zeroShot', 'macroF1'), ('knn', 'accuracy'), ('knn', 'macroF1'),
           ('textToImage', 'precisionAt10'), ('textToImage', 'attainableAt10'), ('imageToText', 'recallAt1'), ('imageToText', 'recallAt5')]


def test_python_and_node_evaluators_agree(tiny_dataset, tmp_path):
    needs('node + onnxruntime-node', node_available())
    out = str(tmp_path / 'run')
    # A briefly trained model, so the figures are not all at chance and disagreements would show.
    train({'variant': 'tile', 'dataset': tiny_dataset, 'config': 'tiny', 'out': out, 'steps': 120, 'batch_size': 16,
           'lr': 3e-3, 'weight_decay': 0.0, 'vocab_size': 700, 'log_every': 40, 'ckpt_every': 120, 'no_eval': True})
    from cytoclip_trainer.package import load_package
    model, tokenizer, doc = load_package(f'{out}/package')
    py = evaluate(model, tokenizer, load_dataset(tiny_dataset), templates=doc['promptTemplates'],
                  labels=doc['labels']['regions'])
    js = node_evaluate(f'{out}/package', tiny_dataset)
    for name, ours in py['testSets'].items():
        theirs = js['testSets'][name]
        assert theirs['n'] == ours['n'] and theirs['regions'] == ours['regions']
        for group, key in FIGURES:
            assert theirs[group][key] == pytest.approx(ours[group][key], abs=0.01), f'{name} {group}.{key}'
