import json
import os
import shutil

import pytest

from cytoclip_trainer.dataset import Protocol, load_dataset, require_nonempty
from cytoclip_trainer.errors import CytoclipError


def copy(src, tmp_path):
    dst = str(tmp_path / 'ds')
    shutil.copytree(src, dst)
    return dst


def rewrite_items(root, change):
    path = os.path.join(root, 'items.jsonl')
    items = [json.loads(line) for line in open(path)]
    items = change(items)
    with open(path, 'w') as f:
        f.writelines(json.dumps(i) + '\n' for i in items)


def test_loads_and_draws_the_protocol_sets(tiny_dataset):
    ds = load_dataset(tiny_dataset)
    sets = Protocol().sets(ds.items)
    assert {i['specimen'] for i in sets['train']} == {'S01', 'S02'}
    assert {i['specimen'] for i in sets['held-out-ages']} == {'S05'}
    assert {i['specimen'] for i in sets['held-out-plane']} == {'S06'}
    assert {i['specimen'] for i in sets['both']} == {'S07'}
    assert {i['specimen'] for i in sets['seen']} == {'S04'}
    trained = {(i['gestationalWeek'], i['plane']) for i in sets['train']}
    assert all(age not in (16, 21, 30) and plane != 'axial' for age, plane in trained)


def test_missing_images_are_named(tiny_dataset, tmp_path):
    root = copy(tiny_dataset, tmp_path)
    os.remove(os.path.join(root, 'images', 'S01-CP-0.png'))
    with pytest.raises(CytoclipError, match=r'1 image\(s\) missing.*images/S01-CP-0.png') as e:
        load_dataset(root)
    assert e.value.code == 'missing-images'


def test_unknown_regions_are_named(tiny_dataset, tmp_path):
    root = copy(tiny_dataset, tmp_path)
    rewrite_items(root, lambda items: [dict(i, region='XYZ') if i['id'] == 'S02-SP-1' else i for i in items])
    with pytest.raises(CytoclipError, match=r'regions not in the ontology: XYZ \(items S02-SP-1\)'):
        load_dataset(root)


def test_empty_training_split_is_an_error(tiny_dataset, tmp_path):
    root = copy(tiny_dataset, tmp_path)
    rewrite_items(root, lambda items: [dict(i, split='test') if i['split'] == 'train' else i for i in items])
    ds = load_dataset(root)
    with pytest.raises(CytoclipError, match='the train set is empty') as e:
        require_nonempty(Protocol().sets(ds.items), 'train', Protocol())
    assert e.value.code == 'empty-split'


def test_unknown_format_and_missing_fields(tiny_dataset, tmp_path):
    root = copy(tiny_dataset, tmp_path)
    rewrite_items(root, lambda items: [{k: v for k, v in i.items() if k != 'plane'} if n == 3 else i
                                       for n, i in enumerate(items)])
    with pytest.raises(CytoclipError, match='lacks plane'):
        load_dataset(root)
    meta = json.load(open(os.path.join(root, 'dataset.json')))
    json.dump(dict(meta, format='cytoclip-dataset/9'), open(os.path.join(root, 'dataset.json'), 'w'))
    with pytest.raises(CytoclipError, match="format 'cytoclip-dataset/9'"):
        load_dataset(root)
