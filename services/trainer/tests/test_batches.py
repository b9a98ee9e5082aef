from collections import Counter
from types import SimpleNamespace

import numpy as np

from cytoclip_trainer.batches import StepBatches


def _batches(balance: bool, seed: int = 0):
    # 90% of the items in one region: what a tile dataset of the fetal wall looks like (IZ and SP dwarf the nuclei).
    items = [{'region': 'IZ'}] * 900 + [{'region': 'DG'}] * 50 + [{'region': 'CA'}] * 50
    ontology = {'regions': [{'acronym': a, 'name': a} for a in ('IZ', 'DG', 'CA')]}
    cfg = SimpleNamespace(mean=(0.5, 0.5, 0.5), std=(0.2, 0.2, 0.2))
    return items, StepBatches(SimpleNamespace(ontology=ontology), items, None, cfg, 64, seed, balance=balance)


def test_balanced_batches_draw_every_region_about_equally():
    items, b = _batches(balance=True)
    counts = Counter(items[i]['region'] for step in range(50) for i in b.indices(step))
    assert sum(counts.values()) == 50 * 64
    for region in ('IZ', 'DG', 'CA'):
        assert abs(counts[region] / (50 * 64) - 1 / 3) < 0.04, counts


def test_plain_batches_follow_the_data():
    items, b = _batches(balance=False)
    counts = Counter(items[i]['region'] for step in range(14) for i in b.indices(step))
    assert counts['IZ'] / sum(counts.values()) > 0.85


def test_balanced_batches_are_a_pure_function_of_seed_and_step():
    _, a = _batches(balance=True, seed=3)
    _, b = _batches(balance=True, seed=3)
    _, c = _batches(balance=True, seed=4)
    assert np.array_equal(a.indices(17), b.indices(17))
    assert not np.array_equal(a.indices(17), c.indices(17))
    assert not np.array_equal(a.indices(17), a.indices(18))
