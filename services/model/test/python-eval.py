"""Runs the trainer's PyTorch evaluator on a model package's weights.pt (the same network as its ONNX graphs).
Usage: /usr/bin/python3 python-eval.py <package dir> <dataset dir> <out.json>. Used by agree.test.ts."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'trainer'))
from cytoclip_trainer.config import ModelConfig  # noqa: E402
from cytoclip_trainer.dataset import load_dataset  # noqa: E402
from cytoclip_trainer.evaluate import evaluate  # noqa: E402
from cytoclip_trainer.model import CLIP  # noqa: E402
from cytoclip_trainer.tokenizer import BPETokenizer  # noqa: E402

package, dataset, out = sys.argv[1:4]
weights = torch.load(os.path.join(package, 'weights.pt'))
model = CLIP(ModelConfig.from_dict(weights['config']))
model.load_state_dict({k: v.float() for k, v in weights['state_dict'].items()})
manifest = json.load(open(os.path.join(package, 'model.json')))
tokenizer = BPETokenizer.load(os.path.join(package, manifest['files']['tokenizer']['path']))
report = evaluate(model, tokenizer, load_dataset(dataset), templates=manifest['promptTemplates'],
                  labels=manifest['labels']['regions'])
with open(out, 'w') as f:
    json.dump(report, f)
