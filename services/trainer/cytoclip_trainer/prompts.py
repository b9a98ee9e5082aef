"""Prompt templates filled from the ontology, shared by training (extra captions), evaluation and model.json."""
DEFAULT_TEMPLATES = [
    'a NISSL-stained image of the {name} ({acronym})',
    'NISSL cytoarchitecture of the {name}',
    'the {acronym}, {name}, in a NISSL section',
]


def fill(template: str, region: dict) -> str:
    return template.format(name=region['name'], acronym=region['acronym'], description=region.get('description') or '')


def region_prompts(region: dict, templates=None) -> list:
    return [fill(t, region) for t in (templates or DEFAULT_TEMPLATES)]


# Prompt ensembles a package may choose among on its validation split (CLIP's prompt ensembling): the defaults, and
# the defaults with the ontology's own description of the region's cytoarchitecture.
TEMPLATE_CANDIDATES = {
    'default': DEFAULT_TEMPLATES,
    'default+description': DEFAULT_TEMPLATES + ['{description}', 'the {name}: {description}'],
}
