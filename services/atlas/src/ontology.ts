import type { Ontology, OntologyRegion } from '@cytoclip/domain';
import { CytoclipError } from '@cytoclip/domain';

interface RegionDef {
  acronym: string;
  name: string;
  parent: string | null;
  color: string;
  /** Cytoarchitecture in a neuroanatomist's words, at any age. */
  text: string;
  /** Age-dependent sentence, where the biology changes with gestational week. */
  age?: (week: number) => string;
}

const early = (week: number, limit: number) => week < limit;

// Order matters: a region's index + 1 is its value in the renderer's label map (0 is glass).
const DEFS: RegionDef[] = [
  {
    acronym: 'Br',
    name: 'brain',
    parent: null,
    color: '#b0b0b0',
    text: 'The developing human brain in a NISSL (cresyl violet) stain.',
  },
  {
    acronym: 'Tel',
    name: 'telencephalon',
    parent: 'Br',
    color: '#a0a0c0',
    text: 'The cerebral hemispheres: pallium, subpallium and their proliferative zones.',
  },
  {
    acronym: 'Pal',
    name: 'pallium',
    parent: 'Tel',
    color: '#9090c8',
    text: 'The dorsal telencephalon that gives rise to the cerebral cortex and hippocampus.',
  },
  {
    acronym: 'CWall',
    name: 'cortical wall',
    parent: 'Pal',
    color: '#8080c0',
    text: 'The transient fetal cortical wall, a stack of cell-dense and cell-sparse zones between the lateral ventricle and the pia.',
  },
  {
    acronym: 'MZ',
    name: 'marginal zone',
    parent: 'CWall',
    color: '#f2e6ff',
    text: 'A thin, cell-sparse, pale superficial zone beneath the pia with scattered, tangentially oriented, horizontally elongated Cajal-Retzius cells.',
  },
  {
    acronym: 'CP',
    name: 'cortical plate',
    parent: 'CWall',
    color: '#5b3fa8',
    text: 'A densely packed band of small, darkly stained, radially aligned immature neurons arranged in vertical columns.',
    age: (w) =>
      early(w, 26)
        ? 'It is still homogeneous and unlaminated, with tightly packed columns of elongated somata.'
        : 'It is differentiating into layers: a cell-sparse layer I, small-celled supragranular layers, a granular layer IV and larger pyramidal cells in layer V.',
  },
  {
    acronym: 'SP',
    name: 'subplate zone',
    parent: 'CWall',
    color: '#e8d8b0',
    text: 'A wide, cell-sparse zone of pale neuropil and extracellular matrix with scattered large, randomly oriented subplate neurons.',
    age: (w) =>
      w >= 22 && w <= 28
        ? 'At this age it is at its widest, the thickest zone of the wall.'
        : w > 28
          ? 'It is resolving, thinning beneath the gyri as the cortex matures.'
          : 'It is expanding rapidly, already wider than the cortical plate.',
  },
  {
    acronym: 'IZ',
    name: 'intermediate zone',
    parent: 'CWall',
    color: '#d0e0f0',
    text: 'The fetal white matter: a cell-sparse fibrous zone with pale neuropil and sparse, tangentially elongated migrating cells and glia aligned with the axon bundles.',
    age: (w) => (w >= 34 ? 'It is becoming the subcortical white matter, with rows of glial nuclei.' : ''),
  },
  {
    acronym: 'OSVZ',
    name: 'outer subventricular zone',
    parent: 'CWall',
    color: '#7a9ad0',
    text: 'A thick, moderately cell-dense proliferative zone of loosely packed, slightly radially aligned progenitor cells in small clusters, less compact than the inner subventricular zone.',
    age: (w) =>
      w < 16
        ? 'It is only beginning to separate from the inner subventricular zone.'
        : w > 30
          ? 'It is waning as neurogenesis ends.'
          : 'It is the main proliferative compartment of the primate cortex at this age.',
  },
  {
    acronym: 'ISVZ',
    name: 'inner subventricular zone',
    parent: 'CWall',
    color: '#4a6ab8',
    text: 'A compact, densely packed band of very small, round, randomly oriented, evenly spaced progenitor cells just above the ventricular zone.',
    age: (w) => (w > 30 ? 'It is thin and depleted.' : ''),
  },
  {
    acronym: 'VZ',
    name: 'ventricular zone',
    parent: 'CWall',
    color: '#2a3a90',
    text: 'A pseudostratified epithelium lining the ventricle: very densely packed, darkly stained, radially elongated nuclei in tight palisades.',
    age: (w) =>
      w < 20
        ? 'It is thick and highly proliferative.'
        : w < 30
          ? 'It is thinning as progenitors move outward.'
          : 'It is reduced to a thin ependymal lining of one or two cell rows.',
  },
  {
    acronym: 'PFC',
    name: 'prefrontal cortex',
    parent: 'CP',
    color: '#c04080',
    text: 'The frontal association cortex, a dysgranular cortex with a thin, weakly granular layer IV and medium-sized pyramidal cells gathered in patchy clusters.',
    age: (w) => (early(w, 26) ? 'Its plate is less dense, more clustered and thicker than the posterior cortex.' : ''),
  },
  {
    acronym: 'M1',
    name: 'primary motor cortex',
    parent: 'CP',
    color: '#d05050',
    text: 'Agranular cortex without a granular layer IV, with large pyramidal cells (precursors of Betz cells) in a broad layer V and a thick, less densely packed plate.',
    age: (w) =>
      early(w, 26) ? 'Its large pyramidal neurons are growing and already the biggest cells of the plate.' : '',
  },
  {
    acronym: 'S1',
    name: 'primary somatosensory cortex',
    parent: 'CP',
    color: '#e08040',
    text: 'Granular koniocortex with a dense layer IV of small granule cells between thinner pyramidal layers.',
    age: (w) =>
      early(w, 26) ? 'The granular layer is not yet distinct; the plate is compact and densely packed.' : '',
  },
  {
    acronym: 'A1',
    name: 'primary auditory cortex',
    parent: 'CP',
    color: '#e0c040',
    text: 'Granular koniocortex of the superior temporal gyrus: dense, small, round, evenly spaced granule cells without radial columns, and small pyramidal cells.',
  },
  {
    acronym: 'V1',
    name: 'primary visual cortex',
    parent: 'CP',
    color: '#40a060',
    text: 'Striate cortex: the thinnest and most cell-dense cortex, with a very dense granular layer IV split by the stria of Gennari and small, tightly packed neurons.',
    age: (w) =>
      early(w, 26)
        ? 'Its plate is already the densest of the cortex.'
        : 'Its layer IV is the densest granular band of the cortex.',
  },
  {
    acronym: 'V2',
    name: 'secondary visual cortex',
    parent: 'CP',
    color: '#80c080',
    text: 'Extrastriate visual cortex beside the striate area: a granular cortex, dense but less so than V1, with small cells in patchy clusters and a layer IV that lacks the stria.',
  },
  {
    acronym: 'TCx',
    name: 'temporal association cortex',
    parent: 'CP',
    color: '#a070d0',
    text: 'Homotypical six-layered temporal isocortex with moderate cell density: large, round, evenly spaced neurons without radial columns.',
  },
  {
    acronym: 'PCx',
    name: 'parietal association cortex',
    parent: 'CP',
    color: '#7080e0',
    text: 'Homotypical parietal isocortex, eulaminate, with a moderate granular layer IV and medium neurons in conspicuous patchy clusters.',
  },
  {
    acronym: 'Ins',
    name: 'insular cortex',
    parent: 'CP',
    color: '#d090b0',
    text: 'The insula, buried under the opercula: dysgranular cortex with a thin, indistinct layer IV and sparse, large, round neurons without radial columns.',
    age: (w) =>
      w < 24
        ? 'It lies in a shallow lateral depression, the future Sylvian fissure.'
        : 'It is being covered by the frontal and temporal opercula.',
  },
  {
    acronym: 'SPal',
    name: 'subpallium',
    parent: 'Tel',
    color: '#a0c0a0',
    text: 'The ventral telencephalon: ganglionic eminences and the basal ganglia they produce.',
  },
  {
    acronym: 'GE',
    name: 'ganglionic eminences',
    parent: 'SPal',
    color: '#306030',
    text: 'Transient proliferative swellings of the ventricular floor, extremely cell-dense with small, round, darkly stained progenitors.',
    age: (w) =>
      w < 24
        ? 'They are large and bulge into the lateral ventricle.'
        : 'They are shrinking and regress by about 34 weeks.',
  },
  {
    acronym: 'MGE',
    name: 'medial ganglionic eminence',
    parent: 'GE',
    color: '#205020',
    text: 'The medial eminence: extremely densely packed small round progenitors in irregular clusters, the source of cortical interneurons.',
  },
  {
    acronym: 'LGE',
    name: 'lateral ganglionic eminence',
    parent: 'GE',
    color: '#3a7a3a',
    text: 'The lateral eminence: densely packed small round progenitors, slightly less dense and less clustered than the medial eminence, the source of striatal neurons.',
  },
  {
    acronym: 'CGE',
    name: 'caudal ganglionic eminence',
    parent: 'GE',
    color: '#50905a',
    text: 'The caudal eminence in the temporal horn: less densely packed, slightly larger round progenitors in loose clusters.',
  },
  {
    acronym: 'BG',
    name: 'basal ganglia',
    parent: 'SPal',
    color: '#b08060',
    text: 'The striatum and pallidum, nuclear grey matter with patches and fibre bundles.',
  },
  {
    acronym: 'Cd',
    name: 'caudate nucleus',
    parent: 'BG',
    color: '#c09070',
    text: 'Striatal grey matter of medium-sized, round, evenly scattered neurons arranged in patches (striosomes) and matrix.',
  },
  {
    acronym: 'Pu',
    name: 'putamen',
    parent: 'BG',
    color: '#b07050',
    text: 'Striatal grey matter of fewer, larger round neurons in clusters, crossed by pale pencil-like fibre bundles.',
  },
  {
    acronym: 'GP',
    name: 'globus pallidus',
    parent: 'BG',
    color: '#e0b090',
    text: 'Pale, cell-sparse nucleus of large, widely spaced, fusiform neurons in a fibre-rich neuropil.',
  },
  {
    acronym: 'HF',
    name: 'hippocampal formation',
    parent: 'Pal',
    color: '#60a0a0',
    text: 'The archicortex of the medial temporal lobe.',
  },
  {
    acronym: 'DG',
    name: 'dentate gyrus',
    parent: 'HF',
    color: '#208080',
    text: 'A tightly packed C-shaped band of very small, round, darkly stained granule cells.',
    age: (w) => (w < 20 ? 'Its granule layer is still forming.' : ''),
  },
  {
    acronym: 'CA',
    name: 'cornu ammonis',
    parent: 'HF',
    color: '#40b0b0',
    text: 'The hippocampus proper: a single compact layer of large pyramidal cells between pale cell-sparse strata oriens and radiatum.',
  },
  {
    acronym: 'Dien',
    name: 'diencephalon',
    parent: 'Br',
    color: '#c0a0a0',
    text: 'The thalamus and hypothalamus around the third ventricle.',
  },
  {
    acronym: 'Th',
    name: 'thalamus',
    parent: 'Dien',
    color: '#c06060',
    text: 'Nuclear grey matter of large, moderately dense neurons grouped into nuclei separated by pale fibre laminae.',
  },
  {
    acronym: 'TRN',
    name: 'thalamic reticular nucleus',
    parent: 'Th',
    color: '#f08080',
    text: 'A thin shell of fusiform neurons wrapping the lateral thalamus, elongated tangentially along the shell and moderately dense.',
  },
  {
    acronym: 'Hy',
    name: 'hypothalamus',
    parent: 'Dien',
    color: '#e0a0c0',
    text: 'Small, densely clustered neurons in discrete nuclei around the third ventricle.',
  },
  {
    acronym: 'ChP',
    name: 'choroid plexus',
    parent: 'Br',
    color: '#ff80c0',
    text: 'Fronds of a single row of cuboidal epithelial cells around a loose, vascular, pale stroma, floating in the ventricle.',
  },
  {
    acronym: 'FT',
    name: 'fibre tracts',
    parent: 'Br',
    color: '#e0e0e0',
    text: 'Bundles of axons: pale, cell-sparse, with rows of glial nuclei.',
  },
  {
    acronym: 'CC',
    name: 'corpus callosum',
    parent: 'FT',
    color: '#f0f0d0',
    text: 'The commissure between the hemispheres: pale, cell-poor, with rows of small glial nuclei elongated along its fibres.',
    age: (w) => (w < 20 ? 'It is still thin and short.' : 'It is thickening as callosal axons accumulate.'),
  },
  {
    acronym: 'IC',
    name: 'internal capsule',
    parent: 'FT',
    color: '#f0e0c0',
    text: 'A pale fibre lamina between the caudate and thalamus medially and the lentiform nucleus laterally, with sparse glia elongated along the fibres.',
  },
  {
    acronym: 'Cb',
    name: 'cerebellum',
    parent: 'Br',
    color: '#a0a0e0',
    text: 'The cerebellar cortex and white matter, foliated with age.',
  },
  {
    acronym: 'EGL',
    name: 'external granular layer',
    parent: 'Cb',
    color: '#303090',
    text: 'A superficial band of tightly packed, tiny, darkly stained granule cell precursors just beneath the pia, elongated as they migrate tangentially.',
    age: (w) => (w < 20 ? 'It is thin, a few cells thick.' : 'It is thick and at its most proliferative.'),
  },
  {
    acronym: 'CbML',
    name: 'cerebellar molecular layer',
    parent: 'Cb',
    color: '#d0d0f0',
    text: 'A pale, cell-sparse layer of neuropil with scattered small interneurons.',
  },
  {
    acronym: 'PCL',
    name: 'Purkinje cell layer',
    parent: 'Cb',
    color: '#8060c0',
    text: 'A row of large, rounded Purkinje cell somata, loosely multilayered in the fetus.',
  },
  {
    acronym: 'IGL',
    name: 'internal granular layer',
    parent: 'Cb',
    color: '#4040a0',
    text: 'A very dense layer of tiny round granule cells.',
    age: (w) =>
      w < 24 ? 'It is thin and just forming.' : 'It is thickening as granule cells arrive from the external layer.',
  },
  {
    acronym: 'CbWM',
    name: 'cerebellar white matter',
    parent: 'Cb',
    color: '#c0c0e0',
    text: 'Pale cerebellar core of fibres and scattered glia, with the deep cerebellar nuclei.',
  },
  {
    acronym: 'BS',
    name: 'brainstem',
    parent: 'Br',
    color: '#c0c080',
    text: 'Midbrain, pons and medulla: reticular grey matter with scattered large multipolar neurons, cranial nerve nuclei and long fibre tracts.',
  },
  {
    acronym: 'Mb',
    name: 'midbrain',
    parent: 'BS',
    color: '#d0d090',
    text: 'Moderately dense reticular grey matter with medium neurons and scattered large motor cells.',
  },
  {
    acronym: 'Pons',
    name: 'pons',
    parent: 'BS',
    color: '#b0b070',
    text: 'Clusters of small pontine nucleus neurons elongated along transverse fibre bundles.',
  },
  {
    acronym: 'Med',
    name: 'medulla oblongata',
    parent: 'BS',
    color: '#a0a060',
    text: 'Reticular formation with scattered large multipolar neurons in pale neuropil.',
  },
];

export const REGION_ACRONYMS: readonly string[] = DEFS.map((d) => d.acronym);
const INDEX = new Map(DEFS.map((d, i) => [d.acronym, i + 1]));

/** The label-map value of a region (1-based; 0 is glass). */
export function labelOf(acronym: string): number {
  const label = INDEX.get(acronym);
  if (label === undefined) throw new CytoclipError('unknown_region', `unknown region acronym "${acronym}"`);
  return label;
}

/** The acronym of a label-map value, or null for glass. */
export function acronymOf(label: number): string | null {
  return DEFS[label - 1]?.acronym ?? null;
}

export const REGION_COUNT = DEFS.length;

export function assertWeek(week: number): void {
  if (!Number.isFinite(week) || week < 13 || week > 40) {
    throw new CytoclipError('week_out_of_range', `gestational week ${week} is outside 13–40`, { detail: { week } });
  }
}

/** The region's cytoarchitecture at a gestational week, in a neuroanatomist's words (captions use it). */
export function regionDescription(acronym: string, week: number): string {
  assertWeek(week);
  const def = DEFS[labelOf(acronym) - 1]!;
  const extra = def.age?.(week) ?? '';
  return extra ? `${def.text} ${extra}` : def.text;
}

/** The ontology of formats.md §1, with descriptions at `week` (default: mid-gestation, 24 GW). */
export function buildOntology(week = 24): Ontology {
  const regions: OntologyRegion[] = DEFS.map((d, i) => ({
    id: i + 1,
    acronym: d.acronym,
    name: d.name,
    parent: d.parent,
    description: regionDescription(d.acronym, week),
    color: d.color,
  }));
  return { format: 'cytoclip-ontology/1', regions };
}
