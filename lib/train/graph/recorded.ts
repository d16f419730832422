/**
 * A recorded training step or evaluation batch, opened as one TensorFlow graph (see `recorder.ts` for
 * the recording and `saved-model.ts` for the file): the training engine replays it for every later
 * step of the same shape.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { StackedInput } from '../../models/stacked/ops.js';
import type { TensorMeta } from './recorder.js';
import type { GraphFunction } from './saved-model.js';

/** Where recorded steps are written by default: one folder per graph (by content hash) in the system's temporary folder. */
export function defaultGraphDir(): string {
  return join(tmpdir(), 'expressive-attention-graphs');
}

/** A recorded computation of one shape (a step, an evaluation batch), opened as a graph: tensors and arrays in, tensors out. */
export class RecordedGraph {
  constructor(
    private readonly fn: GraphFunction,
    /** The shape it serves (stepKey, or an evaluation key). */
    readonly key: string,
    /** How to build the forward's own arrays for an input. */
    private readonly makers: readonly { name: string; make: (input: StackedInput) => Float32Array | Int32Array }[],
    /** Every feed of the graph, with the shape and dtype it was recorded with. */
    private readonly feeds: readonly { name: string; meta: TensorMeta }[],
  ) {}

  /** One session call; the caller owns (disposes) the outputs. */
  run(inputs: Record<string, tf.Tensor>, own: Record<string, Float32Array | Int32Array>, input: StackedInput): Record<string, tf.Tensor> {
    const arrays = { ...own };
    for (const m of this.makers) arrays[m.name] = m.make(input);
    const all: Record<string, tf.Tensor> = { ...inputs };
    const made: tf.Tensor[] = [];
    for (const f of this.feeds) {
      const values = arrays[f.name];
      if (!values) throw new Error(`graph ${this.key}: no array for feed '${f.name}'`);
      const t = tf.tensor(values, f.meta.shape, f.meta.dtype === 3 ? 'int32' : 'float32');
      made.push(t);
      all[f.name] = t;
    }
    try {
      return this.fn.run(all);
    } finally {
      tf.dispose(made);
    }
  }

  dispose(): void {
    this.fn.dispose();
  }
}
