/**
 * Every experiment of the three papers, by name.
 *
 * ```ts
 * getExperiment('ea-single');          // an unknown name is an error listing the known ones
 * experimentsOf('cog').map((e) => e.name);
 * ```
 */
import { COG_EXPERIMENTS } from './cog/grids.js';
import { EA_EXPERIMENTS } from './ea/grids.js';
import { TS_EXPERIMENTS } from './ts/grids.js';
import type { Experiment } from '../lab/types.js';
import { PAPERS } from '../lab/types.js';

/** All experiments, paper by paper. */
export const EXPERIMENTS: readonly Experiment[] = Object.freeze([...EA_EXPERIMENTS, ...TS_EXPERIMENTS, ...COG_EXPERIMENTS]);

/** Names of all experiments, in order. */
export const EXPERIMENT_NAMES: readonly string[] = Object.freeze(EXPERIMENTS.map((e) => e.name));

/** The experiment called `name`; an unknown name is an error that lists the known ones. */
export function getExperiment(name: string): Experiment {
  const found = EXPERIMENTS.find((e) => e.name === name);
  if (!found) throw new Error(`unknown experiment '${name}'; known experiments: ${EXPERIMENT_NAMES.join(', ')}`);
  return found;
}

/** The experiments of one paper; an unknown paper is an error that lists the known ones. */
export function experimentsOf(paper: string): Experiment[] {
  if (!(PAPERS as readonly string[]).includes(paper)) throw new Error(`unknown paper '${paper}'; known papers: ${PAPERS.join(', ')}`);
  return EXPERIMENTS.filter((e) => e.paper === paper);
}
