"""Writes the model package of formats.md §3 (`cytoclip-model/1`): graphs, tokenizer, ontology, fp16 weights,
reference inputs with PyTorch's embeddings, model.json with each file's sha256, and MODEL_CARD.md."""
import hashlib
import json
import os
import shutil

import numpy as np
import torch
from PIL import Image

from .errors import CytoclipError
from .model_card import write_model_card
from .onnx_export import export_encoders
from .prompts import DEFAULT_TEMPLATES

MODEL_FORMAT = 'cytoclip-model/1'
REFERENCE_FORMAT = 'cytoclip-model-reference/1'
SIZE_LIMIT = 25 * 1000 * 1000  # bundled packages (models/) stay under 25 MB
REFERENCE_CAPTIONS = [
    'cortical plate',
    'a NISSL-stained image of the subplate (SP)',
    'very dense proliferating cells lining the ventricle, crowded and dark',
    'Ventricular-Zone: 21 GW, coronal; café-stained?!',
    ' '.join(['layered cortex with dense granular cells'] * 12),  # longer than the context: truncated, eos kept
]


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def round_to_fp16(model):
    """The shipped weights are fp16; round the network first so ONNX, weights.pt and the reference agree exactly."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    return model


def pixels_from_uint8(rgb: np.ndarray, mean, std) -> torch.Tensor:
    """How the runtime preprocesses an image already at model size: /255, then (x - mean) / std, CHW."""
    x = torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1)
    return (x - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


def _write_reference(model, tokenizer, images, out: str) -> dict:
    cfg = model.cfg
    ref_dir = os.path.join(out, 'reference')
    os.makedirs(ref_dir, exist_ok=True)
    ids = torch.tensor([tokenizer.encode_padded(c, cfg.text.context_length) for c in REFERENCE_CAPTIONS])
    gen = torch.Generator().manual_seed(1234)
    pixels = torch.randn(2, 3, cfg.vision.image_size, cfg.vision.image_size, generator=gen)
    pixels.numpy().astype('<f4').tofile(os.path.join(ref_dir, 'pixel_values.bin'))
    entries = []
    for k, rgb in enumerate(images):
        path = os.path.join(ref_dir, f'image-{k}.png')
        Image.fromarray(rgb).save(path)
        with Image.open(path) as im:  # embed the PNG as decoded, exactly what the runtime will read
            decoded = np.asarray(im.convert('RGB'))
        entries.append((f'reference/image-{k}.png', pixels_from_uint8(decoded, cfg.mean, cfg.std)))
    with torch.no_grad():
        text_embeds = model.encode_text(ids)
        image_embeds = model.encode_image(pixels)
        png_embeds = model.encode_image(torch.stack([p for _, p in entries])) if entries else []
    return {
        'format': REFERENCE_FORMAT,
        'tolerance': 1e-5, 'imageCosine': 0.999,
        'text': [{'caption': c, 'inputIds': i.tolist(), 'embedding': e.tolist()}
                 for c, i, e in zip(REFERENCE_CAPTIONS, ids, text_embeds)],
        'pixelValues': {'path': 'reference/pixel_values.bin', 'dtype': 'float32', 'byteOrder': 'little',
                        'shape': list(pixels.shape), 'embeddings': image_embeds.tolist()},
        'images': [{'path': p, 'embedding': e.tolist()} for (p, _), e in zip(entries, png_embeds)],
    }


def _write_json(path: str, doc):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')


def write_package(model, tokenizer, ontology: dict, out: str, info: dict, images: list) -> dict:
    """info: name, version, variant, regions, micronsPerPixel, training{...}, metrics{...}, templates."""
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    model = round_to_fp16(model.eval().to('cpu', torch.float32))
    cfg = model.cfg
    tokenizer.save(os.path.join(out, 'tokenizer.json'))
    _write_json(os.path.join(out, 'ontology.json'), ontology)
    export_encoders(model, os.path.join(out, 'image_encoder.onnx'), os.path.join(out, 'text_encoder.onnx'))
    torch.save({'format': 'cytoclip-weights/1', 'config': cfg.to_dict(),
                'state_dict': {k: v.half() for k, v in model.state_dict().items()}}, os.path.join(out, 'weights.pt'))
    _write_json(os.path.join(out, 'reference.json'), _write_reference(model, tokenizer, images, out))
    files = {'imageEncoder': 'image_encoder.onnx', 'textEncoder': 'text_encoder.onnx', 'tokenizer': 'tokenizer.json',
             'ontology': 'ontology.json', 'weights': 'weights.pt', 'reference': 'reference.json'}
    doc = {
        'format': MODEL_FORMAT, 'name': info['name'], 'version': str(info.get('version', '1')),
        'variant': info['variant'], 'embeddingDim': cfg.embed_dim,
        'image': {'size': cfg.vision.image_size, 'mean': cfg.mean, 'std': cfg.std, 'resize': 'bicubic',
                  'crop': 'center', 'micronsPerPixel': info.get('micronsPerPixel')},
        'text': {'contextLength': cfg.text.context_length, 'lowercase': True, 'bosTokenId': tokenizer.bos_id,
                 'eosTokenId': tokenizer.eos_id, 'padTokenId': tokenizer.pad_id, 'pooling': 'first-eos',
                 'truncation': 'keep-eos'},
        'labels': {'ontology': 'ontology.json', 'regions': info['regions']},
        'logitScale': float(model.logit_scale.exp().item()),
        'promptTemplates': info.get('templates') or DEFAULT_TEMPLATES,
        'files': {k: {'path': p, 'sha256': sha256(os.path.join(out, p))} for k, p in files.items()},
        'architecture': {'config': cfg.name, **cfg.to_dict()},
        'training': info.get('training', {}),
        'metrics': info.get('metrics', {}),
    }
    _write_json(os.path.join(out, 'model.json'), doc)
    write_model_card(out, doc)
    size = package_bytes(out)
    if size > SIZE_LIMIT:
        print(f'warning: {out} is {size} bytes, over the {SIZE_LIMIT}-byte limit for bundled models', flush=True)
    return doc


def load_package(folder: str):
    """The PyTorch network of a package (weights.pt, fp16 -> fp32), its tokenizer and model.json: a baseline
    that runs the very same network as the graphs."""
    from .checkpoint import load_into
    from .config import ModelConfig
    from .model import CLIP
    from .tokenizer import BPETokenizer
    with open(os.path.join(folder, 'model.json'), encoding='utf-8') as f:
        doc = json.load(f)
    if doc.get('format') != MODEL_FORMAT:
        raise CytoclipError('unknown-format', f'{folder}/model.json: format {doc.get("format")!r}, expected {MODEL_FORMAT!r}')
    weights = torch.load(os.path.join(folder, doc['files']['weights']['path']), map_location='cpu')
    model = CLIP(ModelConfig.from_dict(weights['config']))
    load_into(model, {k: v.float() for k, v in weights['state_dict'].items()}, f'{folder}/weights.pt')
    return model.eval(), BPETokenizer.load(os.path.join(folder, doc['files']['tokenizer']['path'])), doc


def package_bytes(folder: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)
