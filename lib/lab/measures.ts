/**
 * Measurements the runner takes on a cell's model after training (and at initialisation), stored in
 * the record's `measures`.
 *
 * `sensitivity` — the representational-collapse probe of the COG paper at small scale (see
 * `lib/tasks/collapse.ts`): for each length n, how much the last position's final state changes when
 * one input token changes ('count-ones', 'find-zero', 'flip-any'), and that value relative to the first
 * length (the paper's normalisation).
 */
import type { ParamMap, SequenceModel } from '../models/model.js';
import { sensitivity } from '../tasks/collapse.js';
import type { SensitivityCurve } from './record.js';
import type { MeasureSpec } from './types.js';

/** One measurement of `params`. */
export function measure(model: SequenceModel, params: ParamMap, spec: MeasureSpec): SensitivityCurve {
  switch (spec.kind) {
    case 'sensitivity': {
      const { kind: _kind, atInit: _atInit, ...args } = spec;
      const r = sensitivity(model, params, args);
      return { values: r.values, relative: r.relative };
    }
    default:
      throw new Error(`unknown measure kind ${JSON.stringify((spec as { kind: unknown }).kind)}; known kinds: sensitivity`);
  }
}
