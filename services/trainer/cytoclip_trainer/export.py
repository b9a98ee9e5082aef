"""`python3 -m cytoclip_trainer.export`: writes a model package from a checkpoint, or with random weights (--random)
for test fixtures, or exports an existing package's graphs again from its weights.pt (--regraph); then runs the Node
parity check (onnxruntime-node) when node is available."""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch

from .config import get_config
from .corpus import build_tokenizer, reference_images
from .dataset import Protocol, load_dataset, leaf_acronyms
from .errors import CytoclipError
from .fixtures import make_tiny_dataset
from .model import CLIP
from .onnx_export import export_encoders
from .package import load_package, sha256, write_package
from .parity import node_parity_check
from .prompts import DEFAULT_TEMPLATES

def export_random(config_name: str, out: str, dataset_dir: str = None, seed: int = 0, clip_bpe: str = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = get_config(config_name)
        dataset = load_dataset(dataset_dir or make_tiny_dataset(os.path.join(tmp, 'ds'), size=cfg.vision.image_size))
        tokenizer = build_tokenizer(config_name, dataset, 800 if config_name == 'tiny' else 1024, clip_bpe)
        torch.manual_seed(seed)
        model = CLIP(cfg.with_tokenizer(tokenizer.vocab_size, tokenizer.eos_id))
        info = {'name': f'cytoclip-{config_name.lower()}-random', 'version': '1', 'variant': dataset.variant,
                'regions': leaf_acronyms(dataset.ontology), 'micronsPerPixel': 1.0 if dataset.variant == 'tile' else None,
                'templates': DEFAULT_TEMPLATES,
                'training': {'random': True, 'dataset': dataset.meta.get('name'), 'config': config_name, 'steps': 0,
                             'seed': seed, 'protocol': Protocol().to_dict(),
                             'atlasGenerator': dataset.meta.get('source', {}).get('generator')}}
        return write_package(model, tokenizer, dataset.ontology, out, info,
                             reference_images(dataset, cfg.vision.image_size))


def regraph(package: str) -> dict:
    """Exports a package's two graphs again from its weights.pt (after an exporter change) and updates their sha256
    in model.json. The weights, the reference (PyTorch's embeddings) and the model's name@version stay: the graphs
    must compute the same network, which the parity check then proves against the untouched reference.json."""
    model, _, doc = load_package(package)
    files = doc['files']
    export_encoders(model, os.path.join(package, files['imageEncoder']['path']),
                    os.path.join(package, files['textEncoder']['path']))
    for key in ('imageEncoder', 'textEncoder'):
        files[key]['sha256'] = sha256(os.path.join(package, files[key]['path']))
    with open(os.path.join(package, 'model.json'), 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')
    return doc


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m cytoclip_trainer.export', description=__doc__)
    p.add_argument('--out', help='the package folder to write (required unless --regraph)')
    p.add_argument('--regraph', metavar='PACKAGE', help="export this package's graphs again from its weights.pt, in place")
    p.add_argument('--quantize', choices=['int8'],
                   help='with --package: add an int8 image graph (image_encoder.int8.onnx) to the package, in place')
    p.add_argument('--package', help='the package --quantize works on')
    p.add_argument('--config', default='tiny')
    p.add_argument('--random', action='store_true', help='random weights (a test fixture)')
    p.add_argument('--checkpoint', help='a training checkpoint (checkpoint.pt from `train`)')
    p.add_argument('--dataset', help='dataset folder (formats.md §2); a tiny hand-made one if omitted with --random')
    p.add_argument('--clip-bpe', help='folder with CLIP vocab.json/merges.txt (ViT-B-16)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--no-verify', action='store_true', help='skip the Node parity check')
    args = p.parse_args(argv)
    try:
        if args.quantize:
            if not args.package:
                raise CytoclipError('bad-arguments', 'pass --package with --quantize')
            from .quantize import quantize_package
            args.out = args.package
            doc = quantize_package(args.package)
            print(f'wrote {doc["files"]["imageEncoderInt8"]["path"]} '
                  f'({doc["files"]["imageEncoderInt8"]["quantizedMatMuls"]} MatMuls int8)')
        elif args.regraph:
            args.out = args.regraph
            doc = regraph(args.regraph)
        elif not args.out:
            raise CytoclipError('bad-arguments', 'pass --out (or --regraph PACKAGE)')
        elif args.random:
            doc = export_random(args.config, args.out, args.dataset, args.seed, args.clip_bpe)
        elif args.checkpoint:
            from .train import export_checkpoint
            doc = export_checkpoint(args.checkpoint, args.out, args.dataset)
        else:
            raise CytoclipError('bad-arguments', 'pass --random, --checkpoint or --regraph')
        print(f'wrote {args.out} ({doc["name"]}, {doc["embeddingDim"]}-d)')
        if not args.no_verify:
            print(node_parity_check(args.out))
    except CytoclipError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
