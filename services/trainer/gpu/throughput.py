"""ViT-B/16 image-encoder throughput in PyTorch (random weights: speed does not depend on them). Prints JSON."""
import json
import sys
import time

import torch

sys.path.insert(0, __file__.rsplit('/gpu/', 1)[0])
from cytoclip_trainer.config import get_config  # noqa: E402
from cytoclip_trainer.model import CLIP  # noqa: E402


def measure(model, batch, dtype, device, seconds=10.0):
    x = torch.randn(batch, 3, 224, 224, device=device)
    ctx = torch.autocast(device_type=device.type, dtype=dtype) if dtype != torch.float32 else torch.no_grad()
    with torch.no_grad(), ctx:
        for _ in range(3):
            model.encode_image(x)
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start, n = time.time(), 0
        while time.time() - start < seconds:
            model.encode_image(x)
            n += batch
        if device.type == 'cuda':
            torch.cuda.synchronize()
    return n / (time.time() - start)


def main():
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    model = CLIP(get_config('ViT-B-16')).to(device).eval()
    out = {'torch': torch.__version__, 'device': torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu',
           'imagesPerSecond': {}}
    dtypes = {'fp32': torch.float32, 'bf16': torch.bfloat16} if device.type == 'cuda' else {'fp32': torch.float32}
    for name, dtype in dtypes.items():
        for batch in ((64, 256) if device.type == 'cuda' else (8,)):
            out['imagesPerSecond'][f'{name}-batch{batch}'] = round(measure(model, batch, dtype, device,
                                                                           10 if device.type == 'cuda' else 3), 1)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
