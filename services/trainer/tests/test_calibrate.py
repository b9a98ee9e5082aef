"""Calibration on the validation split: a temperature that undoes a known over-confidence, the F1-best cutoff on a
hand-made ranking, and the fields the platform reads from model.json."""
import json
import os

import numpy as np

from cytoclip_trainer.__main__ import main
from cytoclip_trainer.calibrate import best_f1_threshold, fit_temperature
from test_lit import THESAURUS


def test_temperature_recovers_a_known_scale():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(4000, 5)) * 2.0
    p = np.exp(true - true.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    labels = np.array([rng.choice(5, p=row) for row in p])
    # The model reports logits three times too sharp: the fit must divide them by about 3.
    assert abs(fit_temperature(true * 3.0, labels) - 3.0) < 0.35


def test_cutoff_maximises_f1():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    relevant = np.array([True, True, False, True, False, False])
    threshold, f1, precision, recall = best_f1_threshold(scores, relevant)
    assert threshold == 0.6 and recall == 1.0 and abs(precision - 0.75) < 1e-9 and abs(f1 - 6 / 7) < 1e-9


def test_calibrate_writes_model_json(tiny_dataset, tmp_path):
    thesaurus = tmp_path / 'thesaurus.json'
    thesaurus.write_text(json.dumps(THESAURUS))
    pkg = str(tmp_path / 'pkg')
    assert main(['export', '--random', '--config', 'tiny', '--dataset', tiny_dataset, '--out', pkg, '--no-verify']) == 0
    assert main(['calibrate', '--package', pkg, '--dataset', tiny_dataset, '--thesaurus', str(thesaurus),
                 '--write']) == 0
    doc = json.load(open(os.path.join(pkg, 'model.json')))
    cal = doc['calibration']
    assert cal['format'] == 'cytoclip-calibration/1' and cal['fittedOn']['split'] == 'val'
    assert 0.05 <= cal['classify']['temperature'] <= 20
    assert -1 <= cal['search']['textCutoff'] <= 1 and -1 <= cal['search']['imageCutoff'] <= 1
    assert -1 <= cal['outOfDistribution']['nearestCosine'] <= 1
