/**
 * Experiments by name: the table every name is resolved in (the command line, notebooks, result
 * loading). The papers' grids enter it in `papers/registry.ts`; a study can add its own.
 *
 * ```ts
 * registerExperiment(myExperiment);   // a name already taken is an error
 * getExperiment('ea-single');         // an unknown name is an error listing the known ones
 * experimentsOf('cog').map((e) => e.name);
 * ```
 */
import type { Experiment } from './types.js';
import { PAPERS } from './types.js';

const table = new Map<string, Experiment>();

/** Adds experiments to the table, in order; a name that is already there is an error. */
export function registerExperiment(...experiments: readonly Experiment[]): void {
  for (const e of experiments) {
    if (table.has(e.name)) throw new Error(`an experiment called '${e.name}' is already registered`);
    table.set(e.name, e);
  }
}

/** Every registered experiment, in the order registered. */
export function listExperiments(): Experiment[] {
  return [...table.values()];
}

/** The experiment called `name`; an unknown name is an error that lists the known ones. */
export function getExperiment(name: string): Experiment {
  const found = table.get(name);
  if (!found) throw new Error(`unknown experiment '${name}'; known experiments: ${[...table.keys()].join(', ')}`);
  return found;
}

/** The experiments of one paper; an unknown paper is an error that lists the known ones. */
export function experimentsOf(paper: string): Experiment[] {
  if (!(PAPERS as readonly string[]).includes(paper)) throw new Error(`unknown paper '${paper}'; known papers: ${PAPERS.join(', ')}`);
  return listExperiments().filter((e) => e.paper === paper);
}
