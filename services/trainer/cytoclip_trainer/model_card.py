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


# The paper's figures (arXiv 2601.12282) that issue 4 sets as targets on the held-out-age and held-out-plane sets.
TARGET_MACRO_F1 = {'region': 0.87, 'tile': 0.91}
TARGET_P_AT_10 = 0.9
TARGET_SETS = ('held-out-ages', 'held-out-plane')


def target_lines(variant: str, metrics: dict) -> list:
    """Each target against the measured figure, met or not (no rounding in the model's favour)."""
    sets = metrics.get('testSets') or {}
    f1_target = TARGET_MACRO_F1.get(variant)
    lines = []
    for name in TARGET_SETS:
        m = sets.get(name) or {}
        if not m.get('n'):
            lines.append(f'- {name}: no items, not measured')
            continue
        f1 = (m.get('zeroShot') or {}).get('macroF1')
        p10 = (m.get('textToImage') or {}).get('precisionAt10')
        parts = []
        if f1_target is not None and f1 is not None:
            parts.append(f'zero-shot macro-F1 {f1:.3f} vs ≥ {f1_target:.2f} ({"met" if f1 >= f1_target else "NOT met"})')
        if p10 is not None:
            ceiling = (m.get('textToImage') or {}).get('attainableAt10')
            cap = f'; a perfect ranking would score {ceiling:.3f} on this set' if ceiling is not None and ceiling < 1 else ''
            parts.append(f'text→image P@10 {p10:.3f} vs ≥ {TARGET_P_AT_10:.1f} '
                         f'({"met" if p10 >= TARGET_P_AT_10 else "NOT met"}{cap})')
        lines.append(f'- {name}: ' + '; '.join(parts))
    return lines


def write_model_card(out: str, doc: dict, notes: str = None):
    """notes: Markdown appended as a "Notes" section (hardware, conditions, what a better run would take)."""
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
        if not t.get('random'):
            lines += ['', "## Against the paper's targets", '',
                      f'Targets on the held-out-age and held-out-plane sets: zero-shot macro-F1 ≥ '
                      f'{TARGET_MACRO_F1.get(doc["variant"], float("nan")):.2f} ({doc["variant"]}), '
                      f'text→image P@10 ≥ {TARGET_P_AT_10:.1f}.', ''] + target_lines(doc['variant'], metrics)
    else:
        lines.append('Not evaluated.')
    if notes:
        lines += ['', '## Notes', '', notes.strip()]
    lines += ['', '## Files', '', 'See model.json (`files`, with sha256). The graphs (fp32) reproduce weights.pt (fp16 '
              'weights, run in fp32) within 1e-5 on reference.json\'s inputs; the check runs in Node.', '']
    with open(os.path.join(out, 'MODEL_CARD.md'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))


def main(argv=None) -> int:
    """`python3 -m cytoclip_trainer.model_card PACKAGE [--notes FILE]`: re-renders MODEL_CARD.md from model.json
    (the card is not in model.json's `files`, so no checksum changes)."""
    import argparse
    p = argparse.ArgumentParser(prog='python3 -m cytoclip_trainer.model_card')
    p.add_argument('package')
    p.add_argument('--notes', help='Markdown file appended as a Notes section')
    args = p.parse_args(argv)
    with open(os.path.join(args.package, 'model.json'), encoding='utf-8') as f:
        doc = json.load(f)
    notes = open(args.notes, encoding='utf-8').read() if args.notes else None
    write_model_card(args.package, doc, notes)
    print(f'wrote {os.path.join(args.package, "MODEL_CARD.md")}')
    return 0


if __name__ == '__main__':
    import sys
    sys.exit(main())
