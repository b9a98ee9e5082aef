"""A researcher's plain PyTorch loop, the baseline of `npm run bench:ingest`: PIL opens each pre-cut PNG tile, the
package's preprocessing (resize to the model's size when needed, (x/255 - mean)/std), batches of 32, torch with 2
threads, the package's own network from weights.pt. Prints one JSON line.

usage: python3 torch_baseline.py <model-dir> <png-dir> <trainer-dir> [--pooled-only]

--pooled-only: the loop calls the network as the exported graph runs it (the last block computes the class token's
row alone), for a like-for-like figure; the baseline the goal is measured against is the plain forward."""
import glob
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image


def main(model_dir: str, png_dir: str, trainer_dir: str, pooled_only: bool = False) -> None:
    sys.path.insert(0, trainer_dir)
    from cytoclip_trainer.config import ModelConfig
    from cytoclip_trainer.model import CLIP

    torch.set_num_threads(2)
    spec = json.load(open(os.path.join(model_dir, 'model.json')))['image']
    size = spec['size']
    mean = np.array(spec['mean'], dtype=np.float32)
    std = np.array(spec['std'], dtype=np.float32)
    started = time.perf_counter()
    checkpoint = torch.load(os.path.join(model_dir, 'weights.pt'), map_location='cpu')
    model = CLIP(ModelConfig.from_dict(checkpoint['config']))
    model.load_state_dict({k: v.float() for k, v in checkpoint['state_dict'].items()})
    model.eval()
    load_seconds = time.perf_counter() - started

    files = sorted(glob.glob(os.path.join(png_dir, '*.png')))
    started = time.perf_counter()
    n = 0
    for i in range(0, len(files), 32):
        batch = []
        for path in files[i:i + 32]:
            image = Image.open(path).convert('RGB')
            if image.size != (size, size):
                image = image.resize((size, size), Image.BICUBIC)
            pixels = (np.asarray(image, dtype=np.float32) / 255.0 - mean) / std
            batch.append(pixels.transpose(2, 0, 1))
        with torch.no_grad():
            embeddings = torch.nn.functional.normalize(model.encode_image(torch.from_numpy(np.stack(batch)), pooled_only=pooled_only), dim=-1)
        n += embeddings.shape[0]
    seconds = time.perf_counter() - started
    print(json.dumps({'tiles': n, 'seconds': round(seconds, 3), 'tilesPerSecond': round(n / seconds, 1),
                      'modelLoadSeconds': round(load_seconds, 3), 'torch': torch.__version__, 'threads': 2,
                      'pooledOnly': pooled_only}))


if __name__ == '__main__':
    main(*sys.argv[1:4], pooled_only='--pooled-only' in sys.argv[4:])
