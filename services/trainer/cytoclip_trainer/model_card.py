"""MODEL_CARD.md: what the model was trained on, how, and its evaluation figures, honestly labelled."""
import json
import os

from .report import metrics_markdown


def write_model_card(out: str, doc: dict):
    t = doc.get('training', {})
    lines = [f'# {doc["name"]} (version {doc["version"]})', '',
             f'CytoCLIP-style vision-language model, variant `{doc["variant"]}`, architecture `{doc["architecture"]["config"]}`, '
             f'{doc["embeddingDim"]}-d embeddings, {doc["image"]["size"]} px input.', '']
    if t.get('random'):
        lines += ['**Random weights.** This package is a test fixture: it was never trained and its predictions mean '
                  'nothing. It exists so runtimes can prove they reproduce the PyTorch network (reference.json).', '']
    lines += ['## Training', '']
    for key in ('dataset', 'atlasGenerator', 'config', 'steps', 'batchSize', 'protocol', 'device', 'seconds', 'init'):
        if key in t:
            lines.append(f'- {key}: `{json.dumps(t[key])}`')
    lines += ['', '## Evaluation', '']
    metrics = doc.get('metrics') or {}
    lines += [metrics_markdown(metrics) if metrics else 'Not evaluated.', '']
    lines += ['## Files', '', 'See model.json (`files`, with sha256). Graphs reproduce weights.pt (fp16 weights, run in '
              'fp32) within 1e-5 on reference.json\'s inputs.', '']
    with open(os.path.join(out, 'MODEL_CARD.md'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
