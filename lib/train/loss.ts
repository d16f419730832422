/**
 * Cross-entropy and accuracy over the scored positions of a batch.
 *
 *   loss = Σ_{b,t} mask[b,t] · (−log softmax(logits[b,t])[targets[b,t]])  /  Σ_{b,t} mask[b,t]
 *
 * Written with logSoftmax and a one-hot (no gather: its gradient is missing on wasm), so it is
 * differentiable on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';

function checkShapes(logits: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor | undefined): [number, number, number] {
  if (logits.rank !== 3) throw new Error(`logits must be [batch, time, vocab]; got shape [${logits.shape}]`);
  const [B, T, V] = logits.shape as [number, number, number];
  if (targets.rank !== 2 || targets.shape[0] !== B || targets.shape[1] !== T) {
    throw new Error(`targets must have shape [${B}, ${T}] to match logits; got [${targets.shape}]`);
  }
  if (targets.dtype !== 'int32') throw new Error(`targets must be int32; got ${targets.dtype}`);
  if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T)) {
    throw new Error(`mask must have shape [${B}, ${T}] to match logits; got [${mask.shape}]`);
  }
  return [B, T, V];
}

/**
 * −log p(target) at every position: logits [B, T, V], targets [B, T] int32 → [B, T].
 * A target outside 0..V−1 gives 0 (its one-hot is empty): validate targets first (`checkBatch`).
 */
export function tokenCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const [B, T, V] = checkShapes(logits, targets, undefined);
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(logits, [B * T, V])); // [B·T, V]
    const oneHot = tf.cast(tf.oneHot(tf.reshape(targets, [B * T]) as tf.Tensor1D, V), 'float32'); // [B·T, V]
    return tf.reshape(tf.neg(tf.sum(tf.mul(logp, oneHot), 1)), [B, T]) as tf.Tensor2D; // [B, T]
  });
}

/**
 * Mean cross-entropy over the scored positions (mask 1). logits [B, T, V], targets [B, T] int32,
 * mask [B, T] float32 of 0/1 → scalar.
 *
 * `scoredCount`, the number of ones in `mask`, is optional: the trainer knows it from the batch and
 * passes it (saving a read-back per step); without it the mask is summed and read back here. Either
 * way a batch with no scored position is an error.
 */
export function maskedCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D, mask: tf.Tensor2D, scoredCount?: number): tf.Scalar {
  checkShapes(logits, targets, mask);
  let count = scoredCount;
  if (count === undefined) {
    const sum = tf.sum(mask); // []
    count = sum.dataSync()[0];
    sum.dispose();
  }
  if (!(count > 0)) throw new Error('maskedCrossEntropy: the batch has no scored position (mask is all zero)');
  return tf.tidy(() => {
    const nll = tokenCrossEntropy(logits, targets); // [B, T]
    return tf.div(tf.sum(tf.mul(nll, mask)), count) as tf.Scalar; // []
  });
}

/** Accuracy over scored positions, overall and per label. */
export interface AccuracyReport {
  /** Correct / scored over all scored positions (NaN if none). */
  accuracy: number;
  correct: number;
  total: number;
  /** Per label name: accuracy over the scored positions with that label (labels never scored are absent). */
  perLabel: Record<string, number>;
}

/**
 * Counts argmax-correct predictions over scored positions, overall and per label; add batches with
 * `add`, read the result with `report`. Works on plain arrays, so tasks can use it without tensors.
 */
export class AccuracyTally {
  correct = 0;
  total = 0;
  readonly labelCorrect: number[];
  readonly labelTotal: number[];

  constructor(readonly labelNames: readonly string[] = []) {
    this.labelCorrect = labelNames.map(() => 0);
    this.labelTotal = labelNames.map(() => 0);
  }

  /** predicted/targets/scored/labels are flat [B·T]; labels index `labelNames`. */
  add(predicted: ArrayLike<number>, targets: ArrayLike<number>, scored: ArrayLike<number>, labels?: ArrayLike<number>): void {
    for (let i = 0; i < predicted.length; i++) {
      if (!scored[i]) continue;
      const ok = predicted[i] === targets[i] ? 1 : 0;
      this.correct += ok;
      this.total++;
      if (labels && this.labelNames.length) {
        const l = labels[i];
        if (!(l >= 0 && l < this.labelNames.length)) throw new Error(`label ${l} is not an index into labelNames (${this.labelNames.length})`);
        this.labelCorrect[l] += ok;
        this.labelTotal[l]++;
      }
    }
  }

  report(): AccuracyReport {
    const perLabel: Record<string, number> = {};
    this.labelNames.forEach((name, l) => {
      if (this.labelTotal[l] > 0) perLabel[name] = this.labelCorrect[l] / this.labelTotal[l];
    });
    return { accuracy: this.total > 0 ? this.correct / this.total : NaN, correct: this.correct, total: this.total, perLabel };
  }
}

/** argmax over the vocabulary: logits [B, T, V] → [B, T] int32 (ties go to the lowest id). */
export function predictions(logits: tf.Tensor3D): tf.Tensor2D {
  return tf.argMax(logits, 2) as tf.Tensor2D;
}

/**
 * Accuracy of argmax(logits) against targets over scored positions (mask ≠ 0), overall and, given
 * per-position `labels` [B, T] (indices into `labelNames`), per label. Reads the tensors back.
 */
export function maskedAccuracy(
  logits: tf.Tensor3D, targets: tf.Tensor2D, mask: tf.Tensor2D, labels?: tf.Tensor2D, labelNames: readonly string[] = [],
): AccuracyReport {
  checkShapes(logits, targets, mask);
  const predicted = tf.tidy(() => predictions(logits));
  const tally = new AccuracyTally(labelNames);
  tally.add(predicted.dataSync(), targets.dataSync(), mask.dataSync(), labels?.dataSync());
  predicted.dispose();
  return tally.report();
}
