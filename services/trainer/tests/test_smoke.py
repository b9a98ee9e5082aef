"""Smoke run: the tiny configuration trains a few steps on the hand-made dataset, resumes exactly, evaluates,
exports a package, and the package passes the Node parity check (onnxruntime-node + @cytoclip/model)."""
import json
import os

import pytest
import torch

from conftest import needs
from cytoclip_trainer.__main__ import main
from cytoclip_trainer.errors import CytoclipError
from cytoclip_trainer.parity import node_available, node_parity_check
from cytoclip_trainer.train import load_checkpoint, train

ARGS = {'variant': 'tile', 'config': 'tiny', 'batch_size': 8, 'lr': 2e-3, 'seed': 3, 'log_every': 2,
        'vocab_size': 700, 'no_eval': True, 'no_export': True}


def weights(path):
    return load_checkpoint(path)['model']


def test_resume_reproduces_an_uninterrupted_run(tiny_dataset, tmp_path):
    straight, split = str(tmp_path / 'straight'), str(tmp_path / 'split')
    train(dict(ARGS, dataset=tiny_dataset, out=straight, steps=4, ckpt_every=4))
    train(dict(ARGS, dataset=tiny_dataset, out=split, steps=4, ckpt_every=2, stop_after=2))
    assert load_checkpoint(os.path.join(split, 'checkpoint.pt'))['step'] == 2
    train(dict(ARGS, dataset=tiny_dataset, out=split, steps=4, ckpt_every=2, resume=True))
    a, b = weights(os.path.join(straight, 'checkpoint.pt')), weights(os.path.join(split, 'checkpoint.pt'))
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_train_evaluate_export_and_node_parity(tiny_dataset, tmp_path, capsys):
    out = str(tmp_path / 'run')
    rc = main(['train', '--variant', 'tile', '--dataset', tiny_dataset, '--config', 'tiny', '--out', out,
               '--steps', '6', '--batch-size', '8', '--log-every', '3', '--ckpt-every', '6', '--vocab-size', '700'])
    assert rc == 0
    printed = capsys.readouterr().out
    assert 'step 6/6 loss' in printed and 'img/s' in printed
    report = json.load(open(os.path.join(out, 'eval.json')))
    assert set(report['testSets']) == {'seen', 'held-out-ages', 'held-out-plane', 'both'}
    assert report['testSets']['seen']['n'] == 12
    model_json = json.load(open(os.path.join(out, 'package', 'model.json')))
    assert model_json['format'] == 'cytoclip-model/1' and model_json['training']['steps'] == 6
    assert model_json['metrics']['testSets']['both']['zeroShot']['macroF1'] == report['testSets']['both']['zeroShot']['macroF1']
    assert os.path.getsize(os.path.join(out, 'package', 'weights.pt')) < 1_000_000
    needs('node + onnxruntime-node', node_available())
    summary = node_parity_check(os.path.join(out, 'package'))
    assert summary.startswith('ok parity') and 'verifyModelPackage: ok=true' in summary


def test_parity_check_catches_a_tampered_reference(tiny_dataset, tmp_path):
    needs('node + onnxruntime-node', node_available())
    pkg = str(tmp_path / 'pkg')
    assert main(['export', '--random', '--config', 'tiny', '--dataset', tiny_dataset, '--out', pkg, '--no-verify']) == 0
    ref_path = os.path.join(pkg, 'reference.json')
    ref = json.load(open(ref_path))
    ref['text'][0]['embedding'][0] += 0.05
    json.dump(ref, open(ref_path, 'w'))
    with pytest.raises(CytoclipError, match='text embeddings differ'):
        node_parity_check(pkg)


def test_variant_mismatch_and_missing_cuda(tiny_dataset, tmp_path):
    with pytest.raises(CytoclipError, match='is a tile dataset, not region'):
        train(dict(ARGS, variant='region', dataset=tiny_dataset, out=str(tmp_path / 'x'), steps=1))
    if not torch.cuda.is_available():
        with pytest.raises(CytoclipError, match='cuda'):
            train(dict(ARGS, dataset=tiny_dataset, out=str(tmp_path / 'y'), steps=1, device='cuda'))


def test_regraph_exports_the_same_network_again(tiny_dataset, tmp_path):
    """--regraph rewrites a package's graphs from its weights.pt and their sha256 in model.json, nothing else; the
    untouched reference (PyTorch's full forward) still passes, so the new graphs compute the same network."""
    needs('node + onnxruntime-node', node_available())
    pkg = str(tmp_path / 'pkg')
    assert main(['export', '--random', '--config', 'tiny', '--dataset', tiny_dataset, '--out', pkg, '--no-verify']) == 0
    before = json.load(open(os.path.join(pkg, 'model.json')))
    with open(os.path.join(pkg, 'image_encoder.onnx'), 'ab') as f:
        f.write(b'\0')  # a stale graph: regraph must replace it
    assert main(['export', '--regraph', pkg]) == 0
    after = json.load(open(os.path.join(pkg, 'model.json')))
    assert {k: v for k, v in after.items() if k != 'files'} == {k: v for k, v in before.items() if k != 'files'}
    assert after['files']['weights'] == before['files']['weights']
    assert after['files']['reference'] == before['files']['reference']
    summary = node_parity_check(pkg)
    assert summary.startswith('ok parity') and 'verifyModelPackage: ok=true' in summary


def test_export_needs_an_output_or_a_package(capsys):
    assert main(['export', '--random']) == 2
    assert '--out' in capsys.readouterr().err
