/**
 * Notebook conventions. Every notebook reads `EA_SCALE`:
 *   unset (default)   load the committed full-scale results from data/ and plot them — no training;
 *   smoke             seconds: tiny runs, for the headless notebook test in CI;
 *   quick             minutes on two cores: rerun the experiments at reduced size;
 *   full              the committed results' scale (up to about an hour per paper).
 *
 * ```ts
 * const scale = ea.notebookScale();   // undefined → load data/, else 'smoke' | 'quick' | 'full'
 * ```
 */
import { SCALES, type Scale } from '../lab/types.js';

/** The experiment scales (the same as the runner's `Scale`). */
export const NOTEBOOK_SCALES = SCALES;
export type NotebookScale = Scale;

/**
 * The scale a notebook should run at, from `EA_SCALE` (or the given value): undefined when unset or
 * empty (load committed results). Any other value is an error naming the allowed ones.
 */
export function notebookScale(value: string | undefined = process.env.EA_SCALE): NotebookScale | undefined {
  const v = value?.trim();
  if (v === undefined || v === '') return undefined;
  if ((NOTEBOOK_SCALES as readonly string[]).includes(v)) return v as NotebookScale;
  throw new Error(`EA_SCALE must be one of ${NOTEBOOK_SCALES.join(', ')} (or unset to load the committed results from data/); got '${value}'`);
}
