import { CytoclipError, type Ontology } from '@cytoclip/domain';

/**
 * Fills a prompt template from an ontology region: {acronym}, {name} and {description} are replaced;
 * any other {placeholder} is an error, so a typo in model.json cannot silently produce odd prompts.
 */
export function fillTemplate(
  template: string,
  region: { acronym: string; name: string; description?: string },
): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (key === 'acronym') return region.acronym;
    if (key === 'name') return region.name;
    if (key === 'description') return region.description ?? '';
    throw new CytoclipError('invalid_model_package', `prompt template "${template}" uses unknown placeholder {${key}}`);
  });
}

/** The prompts of one region: every template filled from the ontology entry. */
export function regionPrompts(templates: string[], ontology: Ontology, acronym: string): string[] {
  const region = ontology.regions.find((r) => r.acronym === acronym);
  if (!region)
    throw new CytoclipError('unknown_region', `region ${acronym} is not in the model's ontology`, {
      detail: { region: acronym },
    });
  return templates.map((t) => fillTemplate(t, region));
}
