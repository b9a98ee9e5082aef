/**
 * Recorded in every atlas.json and, through it, in the models trained on the atlas: the renderer's version. Bump it
 * when the same preset and seed render differently; a preset that only cuts other sections bumps its `revision`.
 */
export const GENERATOR_NAME = 'cytoclip-synthetic-fetal-nissl';
export const GENERATOR_VERSION = '1.6.0';
