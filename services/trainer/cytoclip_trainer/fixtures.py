"""A tiny hand-made dataset (formats.md §2) for tests, smoke runs and random-weight fixture packages.
Regions differ in the density and size of dark 'cell bodies' on a pale background, roughly as NISSL layers do."""
import json
import os

import numpy as np
from PIL import Image

ONTOLOGY = {'format': 'cytoclip-ontology/1', 'regions': [
    {'id': 1, 'acronym': 'Br', 'name': 'brain', 'parent': None, 'description': 'the whole fetal brain', 'color': '#888888'},
    {'id': 2, 'acronym': 'CP', 'name': 'cortical plate', 'parent': 'Br',
     'description': 'densely packed small neurons in radial columns', 'color': '#d62728'},
    {'id': 3, 'acronym': 'SP', 'name': 'subplate', 'parent': 'Br',
     'description': 'sparse large neurons in a wide fibre-rich layer', 'color': '#2ca02c'},
    {'id': 4, 'acronym': 'VZ', 'name': 'ventricular zone', 'parent': 'Br',
     'description': 'very dense proliferating cells lining the ventricle', 'color': '#1f77b4'},
]}
# (cells per 64x64 patch, cell radius in px) for each leaf region.
LOOKS = {'CP': (90, 1.5), 'SP': (14, 3.5), 'VZ': (220, 1.0)}
CAPTIONS = {
    'CP': ['cortical plate with densely packed small neurons', 'dense radial columns of the cortical plate'],
    'SP': ['subplate with sparse large neurons', 'wide fibre-rich subplate with few cells'],
    'VZ': ['ventricular zone with very dense proliferating cells', 'crowded cells lining the ventricle'],
}
SPECIMENS = [('S01', 17, 'coronal', 'train'), ('S02', 19, 'coronal', 'train'), ('S03', 19, 'coronal', 'val'),
             ('S04', 24, 'coronal', 'test'), ('S05', 21, 'coronal', 'test'), ('S06', 19, 'axial', 'test'),
             ('S07', 16, 'axial', 'test')]


def nissl_patch(region: str, size: int, rng: np.random.Generator) -> np.ndarray:
    count, radius = LOOKS[region]
    count = int(count * (size / 64) ** 2)
    yy, xx = np.mgrid[0:size, 0:size]
    ink = np.zeros((size, size), np.float32)
    for cy, cx in rng.uniform(0, size, (count, 2)):
        r = radius * rng.uniform(0.7, 1.3)
        ink = np.maximum(ink, np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r)))
    ink += rng.normal(0, 0.04, ink.shape)
    pale, violet = np.array([238, 232, 240]), np.array([88, 40, 120])
    rgb = pale[None, None] * (1 - ink[..., None]) + violet[None, None] * ink[..., None]
    return np.clip(rgb, 0, 255).astype(np.uint8)


def make_tiny_dataset(root: str, size: int = 64, per_region: int = 4, variant: str = 'tile', seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(root, 'images'), exist_ok=True)
    items = []
    for specimen, age, plane, split in SPECIMENS:
        for region in LOOKS:
            for k in range(per_region):
                item_id = f'{specimen}-{region}-{k}'
                Image.fromarray(nissl_patch(region, size, rng)).save(os.path.join(root, 'images', f'{item_id}.png'))
                items.append({'id': item_id, 'image': f'images/{item_id}.png', 'region': region, 'specimen': specimen,
                              'gestationalWeek': age, 'plane': plane, 'section': f'{specimen}-{plane[:3]}-0001',
                              'captions': CAPTIONS[region], 'split': split})
    with open(os.path.join(root, 'items.jsonl'), 'w') as f:
        f.writelines(json.dumps(i) + '\n' for i in items)
    with open(os.path.join(root, 'ontology.json'), 'w') as f:
        json.dump(ONTOLOGY, f, indent=1)
    meta = {'format': 'cytoclip-dataset/1', 'name': 'tiny-hand-made', 'variant': variant, 'ontology': 'ontology.json',
            'source': {'generator': {'name': 'cytoclip_trainer.fixtures', 'version': '1', 'seed': seed}}}
    with open(os.path.join(root, 'dataset.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    return root
