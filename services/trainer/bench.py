"""npm run bench:trainer [-- --config mini --steps 5]: PyTorch training and inference throughput as JSON,
on the hand-made dataset at the config's image size (CPU unless --device cuda)."""
import argparse
import json
import os
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cytoclip_trainer.config import get_config  # noqa: E402
from cytoclip_trainer.fixtures import make_tiny_dataset  # noqa: E402
from cytoclip_trainer.model import CLIP  # noqa: E402
from cytoclip_trainer.train import train  # noqa: E402


def inference_rate(cfg, device, batch=16, seconds=5.0) -> float:
    model = CLIP(cfg.with_tokenizer(1024, 2)).to(device).eval()
    x = torch.randn(batch, 3, cfg.vision.image_size, cfg.vision.image_size, device=device)
    with torch.no_grad():
        model.encode_image(x)
        start, n = time.time(), 0
        while time.time() - start < seconds:
            model.encode_image(x)
            n += batch
    return n / (time.time() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--config', default='mini')
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--device', default='cpu')
    a = p.parse_args()
    cfg = get_config(a.config)
    with tempfile.TemporaryDirectory() as tmp:
        ds = make_tiny_dataset(os.path.join(tmp, 'ds'), size=cfg.vision.image_size, per_region=4)
        start = time.time()
        train({'variant': 'tile', 'dataset': ds, 'config': a.config, 'out': os.path.join(tmp, 'run'),
               'steps': a.steps, 'batch_size': a.batch_size, 'device': a.device, 'log_every': 10 ** 6,
               'ckpt_every': 10 ** 6, 'no_eval': True, 'no_export': True, 'vocab_size': 700})
        seconds = time.time() - start
    print(json.dumps({'bench': 'trainer', 'config': a.config, 'device': a.device, 'threads': torch.get_num_threads(),
                      'loadAverage': os.getloadavg()[0], 'torch': torch.__version__,
                      'trainImagesPerSecond': round(a.steps * a.batch_size / seconds, 2),
                      'inferImagesPerSecond': round(inference_rate(cfg, torch.device(a.device)), 2)}))


if __name__ == '__main__':
    main()
