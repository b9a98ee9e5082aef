/** Recorded in every atlas.json and, through it, in the models trained on the atlas. Bump when output changes. */
export const GENERATOR_NAME = 'cytoclip-synthetic-fetal-nissl';
export const GENERATOR_VERSION = '1.6.0';
