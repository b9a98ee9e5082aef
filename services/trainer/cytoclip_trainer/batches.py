"""Deterministic, resumable batches: batch `step` is a pure function of (seed, step), so a resumed run sees exactly
the batches the interrupted one would have, with or without loader workers."""
import numpy as np
import torch

from .augment import augment
from .dataset import load_image
from .prompts import region_prompts


class StepBatches(torch.utils.data.Dataset):
    def __init__(self, dataset, items, tokenizer, cfg, batch_size: int, seed: int, prompt_share: float = 0.3,
                 templates=None, balance: bool = False, min_scale: float = 0.9):
        self.dataset, self.items, self.tokenizer, self.cfg = dataset, items, tokenizer, cfg
        self.batch_size, self.seed, self.prompt_share = min(batch_size, len(items)), seed, prompt_share
        self.steps_per_epoch = max(1, len(items) // self.batch_size)
        regions = {r['acronym']: r for r in dataset.ontology['regions']}
        self.prompts = {a: region_prompts(regions[a], templates) for a in {i['region'] for i in items}}
        self.balance, self.min_scale = balance, min_scale
        by_region = {}
        for index, item in enumerate(items):
            by_region.setdefault(item['region'], []).append(index)
        self.by_region = [np.array(v) for _, v in sorted(by_region.items())]
        self.mean = torch.tensor(cfg.mean).view(3, 1, 1)
        self.std = torch.tensor(cfg.std).view(3, 1, 1)

    def __len__(self):
        return 1 << 40

    def indices(self, step: int) -> np.ndarray:
        if self.balance:
            # Every region equally often, whatever its area: macro-F1 weighs a small nucleus like the whole wall.
            rng = np.random.default_rng([self.seed, step, 1 << 20])
            regions = rng.integers(len(self.by_region), size=self.batch_size)
            return np.array([self.by_region[r][int(rng.integers(len(self.by_region[r])))] for r in regions])
        epoch, pos = divmod(step, self.steps_per_epoch)
        order = np.random.default_rng([self.seed, epoch]).permutation(len(self.items))
        return order[pos * self.batch_size:(pos + 1) * self.batch_size]

    def caption(self, item, rng) -> str:
        # Some prompts in the ontology's own words, so zero-shot prompts are in-distribution.
        captions = item.get('captions') or []
        if not captions or rng.random() < self.prompt_share:
            captions = self.prompts[item['region']]
        return captions[int(rng.integers(len(captions)))]

    def __getitem__(self, step: int):
        pixels, ids, regions = [], [], []
        for k, index in enumerate(self.indices(step)):
            item = self.items[index]
            rng = np.random.default_rng([self.seed, step, k])
            g = torch.Generator().manual_seed(int(rng.integers(1 << 62)))
            rgb = load_image(self.dataset.image_path(item), self.cfg.vision.image_size, rng)
            x = augment(torch.from_numpy(rgb.astype(np.float32) / 255).permute(2, 0, 1), g, self.min_scale)
            pixels.append((x - self.mean) / self.std)
            ids.append(self.tokenizer.encode_padded(self.caption(item, rng), self.cfg.text.context_length))
            regions.append(item['region'])
        return torch.stack(pixels), torch.tensor(ids), regions
