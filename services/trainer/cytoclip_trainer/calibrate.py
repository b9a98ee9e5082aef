"""`python3 -m cytoclip_trainer calibrate`: thresholds and a temperature fitted on the VALIDATION split only (never
the test sets), written into model.json as `calibration` (`cytoclip-calibration/1`) for the platform to apply:
- `classify.temperature`: zero-shot probabilities are softmax(logitScale * cosine / T); T minimises the negative
  log-likelihood of the val items' regions (grid over 0.05..20), so a 0.9 means about 9 in 10.
- `search.textCutoff`: the dense cosine above which a text result counts as relevant — the threshold that maximises
  F1 over (caption, image) pairs of grammar captions against val images (relevant: the image's region lies in the
  caption's scope). `search.imageCutoff`: the same over (val image, val image) pairs of one region.
- `outOfDistribution.nearestCosine`: an image whose nearest training-atlas image scores below this is out of
  distribution — the 1st percentile of val images' nearest training image (99 % of in-distribution images pass).
Every figure is written with the counts it came from; the gibberish rate (random letter strings: the share of val
images above textCutoff) is recorded as a check, not a fit."""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from .dataset import leaf_acronyms, load_dataset
from .evaluate import embed_images, embed_texts, region_embeddings
from .grammar import Grammar, load_thesaurus
from .lit import CaptionSource, ScopeIndex
from .package import load_package
from .train import protocol_for

CALIBRATION_FORMAT = 'cytoclip-calibration/1'
TEMPERATURES = np.exp(np.linspace(np.log(0.05), np.log(20), 200))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    best, best_nll = 1.0, float('inf')
    for t in TEMPERATURES:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = float(-(z[np.arange(len(labels)), labels] - np.log(np.exp(z).sum(axis=1))).mean())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def best_f1_threshold(scores: np.ndarray, relevant: np.ndarray) -> tuple:
    """(threshold, f1, precision, recall) maximising F1 when everything scoring >= threshold is called relevant."""
    order = np.argsort(-scores)
    s, r = scores[order], relevant[order].astype(np.float64)
    tp = np.cumsum(r)
    k = np.arange(1, len(s) + 1)
    precision, recall = tp / k, tp / max(1.0, r.sum())
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(1e-12, precision + recall), 0)
    i = int(np.argmax(f1))
    return float(s[i]), float(f1[i]), float(precision[i]), float(recall[i])


def gibberish(rng, n: int) -> list:
    letters = 'abcdefghijklmnopqrstuvwxyz'
    return [' '.join(''.join(rng.choice(list(letters), size=int(rng.integers(3, 9)))) for _ in range(
        int(rng.integers(1, 4)))) for _ in range(n)]


def calibrate(package: str, dataset_dir: str, thesaurus: str = None, captions: int = 512, seed: int = 0) -> dict:
    model, tokenizer, doc = load_package(package)
    dataset = load_dataset(dataset_dir)
    protocol = protocol_for({}, dataset.meta)
    sets = protocol.sets(dataset.items)
    leaves = set(leaf_acronyms(dataset.ontology))
    val = [i for i in sets['val'] if i['region'] in leaves]
    train = [i for i in sets['train'] if i['region'] in leaves]
    val_emb, train_emb = torch.from_numpy(embed_images(model, dataset, val)), torch.from_numpy(embed_images(model, dataset, train))
    regions = sorted({i['region'] for i in val})
    by_acronym = {r['acronym']: r for r in dataset.ontology['regions']}
    labels = doc['labels']['regions']
    prompts = torch.from_numpy(region_embeddings(model, tokenizer, [by_acronym[a] for a in labels]))
    logits = (doc['logitScale'] * val_emb @ prompts.t()).numpy()
    truth = np.array([labels.index(i['region']) for i in val])
    temperature = fit_temperature(logits, truth)

    grammar = Grammar(load_thesaurus(thesaurus), dataset.ontology, dataset.variant)
    source = CaptionSource(grammar, dataset, val, seed)
    _, texts, scopes, _ = source.batch(0, captions)
    text_emb = embed_texts(model, tokenizer, texts)
    inside = ScopeIndex(grammar, [i['region'] for i in val]).matrix(scopes)
    text_cut = best_f1_threshold((text_emb @ val_emb.t()).flatten().numpy(), inside.flatten().numpy() > 0)

    same = torch.tensor([[a['region'] == b['region'] for b in val] for a in val])
    pairs = val_emb @ val_emb.t()
    off_diagonal = ~torch.eye(len(val), dtype=torch.bool)
    image_cut = best_f1_threshold(pairs[off_diagonal].numpy(), same[off_diagonal].numpy())

    nearest = (val_emb @ train_emb.t()).max(dim=1).values.numpy()
    junk = embed_texts(model, tokenizer, gibberish(np.random.default_rng(seed), 64))
    junk_share = float(((junk @ val_emb.t()) >= text_cut[0]).float().mean())
    return {
        'format': CALIBRATION_FORMAT,
        'fittedOn': {'dataset': dataset.meta.get('name'), 'split': 'val', 'images': len(val), 'trainImages': len(train),
                     'captions': captions, 'protocol': protocol.to_dict()},
        'classify': {'temperature': round(temperature, 4)},
        'search': {'textCutoff': round(text_cut[0], 4), 'textF1': round(text_cut[1], 3),
                   'textPrecision': round(text_cut[2], 3), 'textRecall': round(text_cut[3], 3),
                   'imageCutoff': round(image_cut[0], 4), 'imageF1': round(image_cut[1], 3),
                   'gibberishShareAboveTextCutoff': round(junk_share, 4)},
        'outOfDistribution': {'nearestCosine': round(float(np.quantile(nearest, 0.01)), 4), 'quantile': 0.01},
        'regions': regions,
    }


def write_calibration(package: str, calibration: dict):
    path = os.path.join(package, 'model.json')
    with open(path, encoding='utf-8') as f:
        doc = json.load(f)
    doc['calibration'] = {k: v for k, v in calibration.items() if k != 'regions'}
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')


def main(argv=None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog='python3 -m cytoclip_trainer calibrate')
    p.add_argument('--package', required=True)
    p.add_argument('--dataset', required=True, help="the dataset the package was trained on (its val split is used)")
    p.add_argument('--thesaurus')
    p.add_argument('--write', action='store_true', help='write the result into the package model.json')
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    result = calibrate(args.package, args.dataset, args.thesaurus)
    print(json.dumps(result, indent=1))
    if args.write:
        write_calibration(args.package, result)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
