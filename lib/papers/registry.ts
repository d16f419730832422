/**
 * Every experiment of the three papers, registered by name in the lab's table (`lab/experiments.ts`),
 * where the command line, notebooks and result loading resolve names. Importing the library (or the
 * `ea` command) imports this file.
 */
import { registerExperiment } from '../lab/experiments.js';
import type { Experiment } from '../lab/types.js';
import { COG_EXPERIMENTS } from './cog/grids.js';
import { EA_EXPERIMENTS } from './ea/grids.js';
import { TS_EXPERIMENTS } from './ts/grids.js';

/** All experiments of the papers, paper by paper. */
export const EXPERIMENTS: readonly Experiment[] = Object.freeze([...EA_EXPERIMENTS, ...TS_EXPERIMENTS, ...COG_EXPERIMENTS]);

/** Names of the papers' experiments, in order. */
export const EXPERIMENT_NAMES: readonly string[] = Object.freeze(EXPERIMENTS.map((e) => e.name));

registerExperiment(...EXPERIMENTS);

// Papers' code resolves names through this file, so that importing it has registered the grids first.
export { experimentsOf, getExperiment } from '../lab/experiments.js';
