"""Markdown rendering of an evaluation report (the JSON is the evaluator's output as it is)."""

COLUMNS = [('n', 'images', '{}'), ('zeroShot.accuracy', 'zero-shot acc', '{:.3f}'),
           ('zeroShot.macroF1', 'zero-shot macro-F1', '{:.3f}'), ('knn.macroF1', 'kNN macro-F1', '{:.3f}'),
           ('textToImage.precisionAt10', 'text→image P@10', '{:.3f}'),
           ('textToImage.attainableAt10', 'P@10 attainable', '{:.3f}'),
           ('imageToText.recallAt1', 'image→text R@1', '{:.3f}'), ('imageToText.recallAt5', 'image→text R@5', '{:.3f}')]


def _get(d: dict, dotted: str):
    for part in dotted.split('.'):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


def metrics_markdown(report: dict) -> str:
    sets = report.get('testSets', {})
    head = '| test set | ' + ' | '.join(c[1] for c in COLUMNS) + ' |'
    rows = [head, '|' + '---|' * (len(COLUMNS) + 1)]
    for name, m in sets.items():
        if not m.get('n'):
            rows.append(f'| {name} | 0 | ' + ' | '.join(['–'] * (len(COLUMNS) - 1)) + ' |')
            continue
        cells = [(fmt.format(_get(m, key)) if _get(m, key) is not None else '–') for key, _, fmt in COLUMNS]
        rows.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    notes = report.get('notes')
    return '\n'.join(rows) + (f'\n\n{notes}' if notes else '')
