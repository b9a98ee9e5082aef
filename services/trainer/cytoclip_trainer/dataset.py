"""Reads and checks a dataset folder (formats.md §2, `cytoclip-dataset/1`) and draws the fixed protocol's sets."""
import json
import os
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from .errors import CytoclipError

DATASET_FORMAT = 'cytoclip-dataset/1'
ONTOLOGY_FORMAT = 'cytoclip-ontology/1'
REQUIRED = ('id', 'image', 'region', 'specimen', 'gestationalWeek', 'plane', 'split')
TEST_SETS = ('seen', 'held-out-ages', 'held-out-plane', 'both')


@dataclass
class Dataset:
    root: str
    meta: dict
    ontology: dict
    items: list

    @property
    def variant(self) -> str:
        return self.meta['variant']

    def image_path(self, item: dict) -> str:
        return os.path.join(self.root, item['image'])


@dataclass(frozen=True)
class Protocol:
    """The benchmark's fixed protocol: training never sees the held-out ages nor the held-out planes."""
    held_out_ages: tuple = (16, 21, 30)
    held_out_planes: tuple = ('axial',)

    def age_held(self, item) -> bool:
        return any(abs(float(item['gestationalWeek']) - a) < 1e-6 for a in self.held_out_ages)

    def plane_held(self, item) -> bool:
        return item['plane'] in self.held_out_planes

    def sets(self, items: list) -> dict:
        seen = [i for i in items if not self.age_held(i) and not self.plane_held(i)]
        return {
            'train': [i for i in seen if i['split'] == 'train'],
            'val': [i for i in seen if i['split'] == 'val'],
            # Held-out ages/planes were never trained on, so every split of them tests.
            'seen': [i for i in seen if i['split'] == 'test'],
            'held-out-ages': [i for i in items if self.age_held(i) and not self.plane_held(i)],
            'held-out-plane': [i for i in items if self.plane_held(i) and not self.age_held(i)],
            'both': [i for i in items if self.age_held(i) and self.plane_held(i)],
        }

    def to_dict(self) -> dict:
        return {'heldOutAges': list(self.held_out_ages), 'heldOutPlanes': list(self.held_out_planes)}


def _read_json(path: str, what: str):
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except FileNotFoundError as e:
        raise CytoclipError('missing-file', f'{what} not found: {path}') from e
    except ValueError as e:
        raise CytoclipError('bad-json', f'{what} is not valid JSON: {path}: {e}') from e


def load_ontology(path: str) -> dict:
    doc = _read_json(path, 'ontology')
    if doc.get('format') != ONTOLOGY_FORMAT:
        raise CytoclipError('unknown-format', f'{path}: format {doc.get("format")!r}, expected {ONTOLOGY_FORMAT!r}')
    if not doc.get('regions'):
        raise CytoclipError('bad-ontology', f'{path}: no regions')
    return doc


def leaf_acronyms(ontology: dict) -> list:
    parents = {r.get('parent') for r in ontology['regions']}
    return [r['acronym'] for r in ontology['regions'] if r['acronym'] not in parents]


def _read_items(path: str) -> list:
    items = []
    try:
        with open(path, encoding='utf-8') as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    items.append(json.loads(line))
    except FileNotFoundError as e:
        raise CytoclipError('missing-file', f'items.jsonl not found: {path}') from e
    except ValueError as e:
        raise CytoclipError('bad-json', f'{path} line {n}: {e}') from e
    return items


def _check_items(root: str, items: list, ontology: dict):
    if not items:
        raise CytoclipError('empty-dataset', f'{root}/items.jsonl has no items')
    known = {r['acronym'] for r in ontology['regions']}
    for item in items:
        absent = [k for k in REQUIRED if k not in item]
        if absent:
            raise CytoclipError('bad-item', f'item {item.get("id", "?")} lacks {", ".join(absent)}')
        if item['split'] not in ('train', 'val', 'test'):
            raise CytoclipError('bad-item', f'item {item["id"]}: split {item["split"]!r} is not train, val or test')
    unknown = sorted({i['region'] for i in items} - known)
    if unknown:
        ids = [i['id'] for i in items if i['region'] in unknown][:5]
        raise CytoclipError('unknown-region', f'regions not in the ontology: {", ".join(unknown)} (items {", ".join(ids)})')
    missing = [i['image'] for i in items if not os.path.isfile(os.path.join(root, i['image']))]
    if missing:
        raise CytoclipError('missing-images', f'{len(missing)} image(s) missing under {root}: {", ".join(missing[:5])}')


def load_dataset(root: str) -> Dataset:
    meta = _read_json(os.path.join(root, 'dataset.json'), 'dataset.json')
    if meta.get('format') != DATASET_FORMAT:
        raise CytoclipError('unknown-format', f'{root}/dataset.json: format {meta.get("format")!r}, expected {DATASET_FORMAT!r}')
    if meta.get('variant') not in ('region', 'tile'):
        raise CytoclipError('bad-dataset', f'{root}/dataset.json: variant {meta.get("variant")!r} is not region or tile')
    ontology = load_ontology(os.path.join(root, meta.get('ontology', 'ontology.json')))
    items = _read_items(os.path.join(root, 'items.jsonl'))
    _check_items(root, items, ontology)
    return Dataset(root, meta, ontology, items)


def require_nonempty(sets: dict, name: str, protocol: Protocol):
    if not sets[name]:
        raise CytoclipError('empty-split', f'the {name} set is empty under the protocol {protocol.to_dict()}')


def load_image(path: str, size: int, rng: np.random.Generator = None) -> np.ndarray:
    """RGB uint8 [size, size, 3]. Never resizes: a larger image is cropped (randomly with rng, else centred)."""
    with Image.open(path) as im:
        arr = np.asarray(im.convert('RGB'))
    h, w = arr.shape[:2]
    if h < size or w < size:
        raise CytoclipError('image-too-small', f'{path} is {w}x{h}, smaller than the model input {size}x{size}')
    if rng is not None:
        y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    else:
        y, x = (h - size) // 2, (w - size) // 2
    return arr[y:y + size, x:x + size]
