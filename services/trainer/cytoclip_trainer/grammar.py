"""Captions from the thesaurus (services/domain/thesaurus): the language the text encoder learns in locked-image
text tuning. Each caption describes an item's region — or one of its ancestors (its *scope*) — the way a
neuroscientist writes: names and synonyms, abbreviations, cell types, NISSL appearance, position and neighbours,
function, age and plane, alone or combined, short or long. A caption is a pure function of (thesaurus, item, rng)."""
import json
import os

from .errors import CytoclipError

THESAURUS_FORMAT = 'cytoclip-thesaurus/1'
DEFAULT_THESAURUS = os.path.join(os.path.dirname(__file__), '..', '..', 'domain', 'thesaurus', 'neuroanatomy.json')


def load_thesaurus(path: str = None) -> dict:
    path = path or DEFAULT_THESAURUS
    try:
        with open(path, encoding='utf-8') as f:
            doc = json.load(f)
    except FileNotFoundError as e:
        raise CytoclipError('missing-file', f'thesaurus not found: {path}') from e
    except json.JSONDecodeError as e:
        raise CytoclipError('bad-json', f'{path}: {e}') from e
    if doc.get('format') != THESAURUS_FORMAT:
        raise CytoclipError('unknown-format', f'{path}: format {doc.get("format")!r}, expected {THESAURUS_FORMAT!r}')
    return doc


def _cells(traits: str) -> str:
    """'small, round' -> 'small, round cells'; a phrase that already names what it describes stays."""
    last = traits.split()[-1] if traits else ''
    return traits if last.rstrip('s') in ('cell', 'soma', 'somata', 'nucleu', 'nuclei', 'neuron', 'body') else f'{traits} cells'


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class Grammar:
    """`caption(item, rng)` -> (text, scope acronym, mentions_age)."""

    def __init__(self, thesaurus: dict, ontology: dict, variant: str, parent_share: float = 0.15):
        self.t = thesaurus
        self.variant = variant
        self.parent_share = parent_share
        self.regions = {r['acronym']: r for r in ontology['regions']}
        self.parent = {r['acronym']: r.get('parent') for r in ontology['regions']}
        missing = [a for a in self.regions if a not in thesaurus.get('regions', {})]
        if missing:
            raise CytoclipError('thesaurus-incomplete', f'the thesaurus lacks regions {", ".join(missing)}')

    def ancestors(self, acronym: str) -> list:
        out, node = [], self.parent.get(acronym)
        while node:
            out.append(node)
            node = self.parent.get(node)
        return out

    # --- vocabulary draws -------------------------------------------------------------------------------------
    def _pick(self, rng, items, default=''):
        items = [i for i in (items or []) if i]
        return items[int(rng.integers(len(items)))] if items else default

    def name(self, acronym: str, rng) -> str:
        entry = self.t['regions'][acronym]
        names = entry.get('names') or [self.regions[acronym]['name']]
        # The canonical name a third of the time, a synonym or abbreviation otherwise.
        if rng.random() < 0.33:
            return names[0]
        if rng.random() < 0.2 and entry.get('abbreviations'):
            return self._pick(rng, entry['abbreviations'])
        return self._pick(rng, names)

    def look(self, acronym: str, week: float, rng) -> str:
        entry = self.t['regions'][acronym]
        aged = [lk for a in entry.get('ages') or [] if a['from'] <= week <= a['to'] for lk in a.get('looks', [])]
        if aged and rng.random() < 0.35:
            return self._pick(rng, aged)
        if entry.get('descriptors') and rng.random() < 0.3:
            return self.traits(acronym, rng)
        return self._pick(rng, entry.get('looks'), default=self.traits(acronym, rng))

    def traits(self, acronym: str, rng) -> str:
        keys = list(self.t['regions'][acronym].get('descriptors') or [])
        if not keys:
            return 'characteristic cytoarchitecture'
        rng.shuffle(keys)
        words = [self._pick(rng, self.t['descriptors'].get(k)) for k in keys[:int(rng.integers(1, 4))]]
        return ', '.join(w for w in words if w) or 'characteristic cytoarchitecture'

    def age(self, week: float, rng) -> tuple:
        """(phrase, whether it reads after 'at'): '22 GW' does, a stage word such as 'mid-fetal' does not."""
        ages = self.t.get('ageWords') or {}
        stages = [w for s in ages.get('stages') or [] if s['from'] <= week <= s['to'] for w in s.get('words', [])]
        if stages and rng.random() < 0.35:
            return self._pick(rng, stages), False
        gw = int(round(week))
        fmt = self._pick(rng, ages.get('formats'), default='{gw} GW')
        return fmt.format(gw=gw, pcw=gw - 2), fmt[:1] == '{'

    def plane(self, plane: str, rng) -> str:
        return self._pick(rng, (self.t.get('planes') or {}).get(plane), default=plane)

    def stain(self, rng) -> str:
        return self._pick(rng, self.t.get('stains'), default='NISSL')

    def image_word(self, rng) -> str:
        return self._pick(rng, (self.t.get('imageWords') or {}).get(self.variant), default='image')

    # --- captions ---------------------------------------------------------------------------------------------
    def scope(self, region: str, rng) -> str:
        """The item's region, or now and then an ancestor (below the whole brain) that the caption describes."""
        ups = [a for a in self.ancestors(region) if self.parent.get(a)]
        if ups and rng.random() < self.parent_share:
            return ups[min(len(ups) - 1, int(rng.integers(0, 2)))]
        return region

    def caption(self, item: dict, rng) -> tuple:
        scope = self.scope(item['region'], rng)
        entry = self.t['regions'][scope]
        week, plane = float(item['gestationalWeek']), item['plane']
        n, lk = (lambda: self.name(scope, rng)), (lambda: self.look(scope, week, rng))
        cell = lambda: self._pick(rng, entry.get('cellTypes'), default=lk())  # noqa: E731
        pos = lambda: self._pick(rng, entry.get('positions'), default='')  # noqa: E731
        fn = lambda: self._pick(rng, entry.get('functions'), default=lk())  # noqa: E731
        forms = [
            lambda: n(),
            lambda: lk(),
            lambda: f'{n()}: {lk()}',
            lambda: f'{lk()} in the {n()}',
            lambda: f'{n()} with {lk()}',
            lambda: f'{cell()} of the {n()}',
            lambda: cell(),
            lambda: f'{lk()}, {pos()}'.strip(', '),
            lambda: f'{n()} {pos()}'.strip(),
            lambda: f'the region {pos()}: {lk()}' if pos() else lk(),
            lambda: f'{cell()} {pos()}'.strip(),
            lambda: f'{n()}, {fn()}',
            lambda: f'{_cells(self.traits(scope, rng))}, {pos()}'.strip(', '),
            lambda: f'a {self.stain(rng)} {self.image_word(rng)} of the {n()} showing {lk()}',
            lambda: f'{_cap(lk())}. {_cap(n())}, {self.plane(plane, rng)} section.',
        ]
        text = forms[int(rng.integers(len(forms)))]()
        mentions_age = rng.random() < 0.3
        if mentions_age:
            age, after_at = self.age(week, rng)
            text = f'{text} at {age}' if after_at and rng.random() < 0.5 else f'{text}, {age}'
        if rng.random() < 0.1:
            text = f'{text}, {self.plane(plane, rng)} plane'
        return ' '.join(text.split()), scope, mentions_age

    def corpus(self, items: list, count: int, rng) -> list:
        """Captions for the tokenizer's merges, plus every name, abbreviation, cell type and phrase once."""
        out = [self.caption(items[int(rng.integers(len(items)))], rng)[0] for _ in range(count)]
        for entry in self.t['regions'].values():
            for key in ('names', 'abbreviations', 'cellTypes', 'looks', 'positions', 'functions'):
                out += entry.get(key) or []
        for phrases in (self.t.get('descriptors') or {}).values():
            out += phrases
        return out
