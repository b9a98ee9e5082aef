"""MODEL_CARD.md: what the model was trained on, how, and its evaluation figures, honestly labelled."""
import json
import os

from .report import metrics_markdown


def _training_lines(t: dict) -> list:
    lines = []
    for key in ('dataset', 'atlasGenerator', 'config', 'steps', 'batchSize', 'protocol', 'device', 'seconds', 'seed',
                'init'):
        if key in t:
            lines.append(f'- {key}: `{json.dumps(t[key])}`')
    return lines


def _per_region(metrics: dict) -> list:
    lines = []
    for name, m in (metrics.get('testSets') or {}).items():
        f1 = (m.get('zeroShot') or {}).get('perRegionF1')
        if f1:
            lines.append(f'- {name}: ' + ', '.join(f'{r} {v:.2f}' for r, v in sorted(f1.items())))
    return lines


def write_model_card(out: str, doc: dict):
    t = doc.get('training', {})
    arch = doc['architecture']
    lines = [f'# {doc["name"]} (version {doc["version"]})', '',
             f'CytoCLIP-style vision-language model, variant `{doc["variant"]}`, architecture `{arch["config"]}` '
             f'(vision {arch["vision"]["width"]}×{arch["vision"]["layers"]} layers, patch {arch["vision"]["patch_size"]}; '
             f'text {arch["text"]["width"]}×{arch["text"]["layers"]} layers, vocabulary {arch["text"]["vocab_size"]}), '
             f'{doc["embeddingDim"]}-d embeddings, {doc["image"]["size"]} px input'
             + (f' at {doc["image"]["micronsPerPixel"]} µm/px.' if doc['image'].get('micronsPerPixel') else '.'), '']
    if t.get('random'):
        lines += ['**Random weights.** This package is a test fixture: it was never trained and its predictions mean '
                  'nothing. It exists so runtimes can prove they reproduce the PyTorch network (reference.json).', '']
    lines += ['## Training', ''] + _training_lines(t)
    metrics = doc.get('metrics') or {}
    lines += ['', '## Evaluation', '']
    if metrics:
        lines += ['Measured by the trainer\'s PyTorch evaluator (services/trainer, same definitions as `cytoclip eval`, '
                  'services/model/README.md) on the dataset above, fixed protocol '
                  f'`{json.dumps(metrics.get("protocol"))}`; synthetic data, not real tissue.', '',
                  metrics_markdown(metrics), '', 'Zero-shot per-region F1:', ''] + _per_region(metrics)
    else:
        lines.append('Not evaluated.')
    lines += ['', '## Files', '', 'See model.json (`files`, with sha256). The graphs (fp32) reproduce weights.pt (fp16 '
              'weights, run in fp32) within 1e-5 on reference.json\'s inputs; the check runs in Node.', '']
    with open(os.path.join(out, 'MODEL_CARD.md'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
