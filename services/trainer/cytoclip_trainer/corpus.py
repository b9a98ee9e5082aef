"""What a package is built from besides the weights: the tokenizer (a project BPE learnt from a dataset's captions,
or CLIP's own vocabulary) and a few reference images. Shared by train, lit and export, so none of them imports
another's command module (train.py and export.py used to import each other)."""
import os

from .bpe_train import train_bpe
from .dataset import load_image
from .errors import CytoclipError
from .prompts import region_prompts

DEFAULT_CLIP_BPE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'shared', 'reference', 'clip-bpe')


def caption_corpus(dataset, templates=None) -> list:
    texts = [c for i in dataset.items for c in i.get('captions', [])]
    for region in dataset.ontology['regions']:
        texts += region_prompts(region, templates) + [region['name'], region.get('description') or '']
    return texts


def build_tokenizer(config_name: str, dataset, vocab_size: int, clip_bpe: str = None):
    if config_name == 'ViT-B-16':
        from .tokenizer import load_clip_reference
        folder = clip_bpe or DEFAULT_CLIP_BPE
        if not os.path.isfile(os.path.join(folder, 'vocab.json')):
            raise CytoclipError('missing-file', f'CLIP BPE vocabulary not found in {folder} (pass --clip-bpe)')
        return load_clip_reference(folder)
    return train_bpe(caption_corpus(dataset), vocab_size)


def reference_images(dataset, size: int, count: int = 3) -> list:
    """A few images from distinct regions, at model size (centre-cropped, never resized)."""
    picked, seen = [], set()
    for item in dataset.items:
        if item['region'] not in seen:
            seen.add(item['region'])
            picked.append(load_image(dataset.image_path(item), size))
        if len(picked) == count:
            break
    return picked
