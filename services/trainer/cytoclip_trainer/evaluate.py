"""The fixed protocol's evaluation in PyTorch (model selection during training, and `eval` on a checkpoint):
zero-shot classification, kNN, text->image P@10, image->text R@1/R@5 on the four test sets. The definitions and the
report shape are those of the Node evaluator (services/model/README.md "Evaluation"); see metrics.py."""
import numpy as np
import torch
import torch.nn.functional as F

from .dataset import TEST_SETS, Protocol, leaf_acronyms, load_image
from .errors import CytoclipError
from .metrics import attainable_precision, classification_report, knn_predict, precision_per_region, recall_at_k
from .package import pixels_from_uint8
from .prompts import DEFAULT_TEMPLATES, region_prompts

EVAL_FORMAT = 'cytoclip-eval/1'
K = 10


@torch.no_grad()
def embed_images(model, dataset, items: list, device='cpu', batch: int = 64) -> np.ndarray:
    cfg, out = model.cfg, []
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        x = torch.stack([pixels_from_uint8(load_image(dataset.image_path(i), cfg.vision.image_size), cfg.mean, cfg.std)
                         for i in chunk]).to(device)
        out.append(F.normalize(model.encode_image(x).float(), dim=-1).cpu())
    return torch.cat(out).numpy()


@torch.no_grad()
def embed_texts(model, tokenizer, texts: list, device='cpu') -> torch.Tensor:
    ids = torch.tensor([tokenizer.encode_padded(t, model.cfg.text.context_length) for t in texts], device=device)
    return F.normalize(model.encode_text(ids).float(), dim=-1).cpu()


def region_embeddings(model, tokenizer, regions: list, templates=None, device='cpu') -> np.ndarray:
    """One embedding per region: the mean of its normalised template embeddings, normalised again."""
    rows = [F.normalize(embed_texts(model, tokenizer, region_prompts(r, templates), device).mean(0), dim=0)
            for r in regions]
    return torch.stack(rows).numpy()


def evaluate_set(image_emb, labels, prompt_emb, prompt_labels, gallery_emb, gallery_labels) -> dict:
    regions = sorted(set(labels))
    cols = [prompt_labels.index(r) for r in regions]
    # Zero-shot chooses among the leaf regions present in this test set (formats.md §2).
    zs = image_emb @ prompt_emb[cols].T
    zero_shot = classification_report(labels, [regions[j] for j in zs.argmax(axis=1)], regions)
    per_region = precision_per_region(zs, labels, regions, K)
    all_scores = image_emb @ prompt_emb.T
    own = [prompt_labels.index(r) for r in labels]
    knn = None
    if gallery_emb is not None:
        knn = {'k': K, **classification_report(labels, knn_predict(gallery_emb, gallery_labels, image_emb, K), regions)}
        knn.pop('confusion')
    return {'n': len(labels), 'regions': regions, 'zeroShot': zero_shot, 'knn': knn,
            'textToImage': {'precisionAt10': float(np.mean(list(per_region.values()))), 'perRegion': per_region,
                            'attainableAt10': attainable_precision(labels, regions, K)},
            'imageToText': {'recallAt1': recall_at_k(all_scores, own, 1), 'recallAt5': recall_at_k(all_scores, own, 5),
                            'prompts': len(prompt_labels)}}


def evaluate(model, tokenizer, dataset, protocol: Protocol = Protocol(), templates=None, device='cpu',
             sets=TEST_SETS, labels: list = None, knn: bool = True, limit: int = None) -> dict:
    """labels: the model's label regions (default: the dataset ontology's leaves). knn=False and limit (an evenly
    spaced subsample per set) keep the validation during training cheap."""
    model.eval()
    split = protocol.sets(dataset.items)
    if limit:
        split = {k: v[::max(1, -(-len(v) // limit))] for k, v in split.items()}
    leaves = set(leaf_acronyms(dataset.ontology))
    by_acronym = {r['acronym']: r for r in dataset.ontology['regions']}
    gallery = split['train'] if knn else []
    gallery_emb = embed_images(model, dataset, gallery, device) if gallery else None
    report = {'format': EVAL_FORMAT, 'dataset': dataset.meta.get('name'), 'variant': dataset.variant,
              'protocol': {**protocol.to_dict(), 'split': 'test', 'k': K}, 'gallery': len(gallery),
              'templates': templates or DEFAULT_TEMPLATES, 'testSets': {}}
    for name in sets:
        items = [i for i in split[name] if i['region'] in leaves]
        skipped = len(split[name]) - len(items)
        if not items:
            report['testSets'][name] = {'n': 0, 'skippedNonLeaf': skipped, 'note': 'empty under this protocol'}
            continue
        present = sorted({i['region'] for i in items})
        prompt_labels = sorted(set(labels or leaves) | set(present))
        prompt_emb = region_embeddings(model, tokenizer, [by_acronym[a] for a in prompt_labels], templates, device)
        emb = embed_images(model, dataset, items, device)
        report['testSets'][name] = {**evaluate_set(emb, [i['region'] for i in items], prompt_emb, prompt_labels,
                                                   gallery_emb, [i['region'] for i in gallery]),
                                    'skippedNonLeaf': skipped}
    if all(s['n'] == 0 for s in report['testSets'].values()):
        raise CytoclipError('empty-split', f'every evaluated set ({", ".join(sets)}) is empty under {protocol.to_dict()}')
    return report
