/**
 * The flat parameter row of one lane of the training engine (`engine.ts`): where each parameter of a
 * model lives in it, given the views of the model's stacked forward.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSpec } from '../models/model.js';
import { plainViews, type ParamView } from '../models/stacked/ops.js';

/**
 * Where each parameter lives in a lane's flat row. The views of the stacked forward are grouped by
 * their number of rows; a group is one row-major matrix [rows, Σ cols] in the row, its views side by
 * side, and a view's parameters stacked by rows. So a parameter is a block of a group matrix, not
 * necessarily contiguous in the row; `pack` and `unpack` translate to and from per-name values.
 */
export class ParamLayout {
  /** Total parameters per lane (P). */
  readonly size: number;
  /** Groups in row order: rows, total columns, offset in the row, member views (indices into `views`), vectors or not. */
  readonly groups: { rows: number; cols: number; offset: number; views: number[]; vector: boolean }[] = [];
  /** Per parameter (in `specs` order): group, first row, rows, first column, columns. */
  private readonly blocks: { group: number; row: number; rows: number; col: number; cols: number }[];

  constructor(readonly specs: readonly ParamSpec[], readonly views: readonly ParamView[] = plainViews(specs)) {
    const index = new Map(specs.map((p, i) => [p.name, i]));
    const blocks: ({ group: number; row: number; rows: number; col: number; cols: number } | undefined)[] = specs.map(() => undefined);
    const byRows = new Map<string, number>();
    views.forEach((v, vi) => {
      if (v.vector && v.rows !== 1) throw new Error(`vector view ${v.names.join('+')} must have one row; got ${v.rows}`);
      const key = v.vector ? 'vector' : String(v.rows);
      let g = byRows.get(key);
      if (g === undefined) {
        g = this.groups.length;
        byRows.set(key, g);
        this.groups.push({ rows: v.rows, cols: 0, offset: 0, views: [], vector: v.vector ?? false });
      }
      const group = this.groups[g];
      let row = 0;
      for (const name of v.names) {
        const i = index.get(name);
        if (i === undefined) throw new Error(`parameter view names unknown parameter '${name}'`);
        if (blocks[i]) throw new Error(`parameter '${name}' is in two views`);
        const size = specs[i].shape.reduce((a, b) => a * b, 1);
        if (size % v.cols !== 0) throw new Error(`parameter '${name}' (${size} values) does not fit a view of ${v.cols} columns`);
        blocks[i] = { group: g, row, rows: size / v.cols, col: group.cols, cols: v.cols };
        row += size / v.cols;
      }
      if (row !== v.rows) throw new Error(`view ${v.names.join('+')} declares ${v.rows} rows, its parameters fill ${row}`);
      group.views.push(vi);
      group.cols += v.cols;
    });
    const missing = specs.filter((_, i) => !blocks[i]).map((p) => p.name);
    if (missing.length) throw new Error(`parameters without a view: ${missing.join(', ')}`);
    this.blocks = blocks as { group: number; row: number; rows: number; col: number; cols: number }[];
    let offset = 0;
    for (const g of this.groups) {
      g.offset = offset;
      offset += g.rows * g.cols;
    }
    this.size = offset;
  }

  /** Calls f(rowStart, length, sourceStart) for each row-piece of parameter i. */
  private pieces(i: number, f: (at: number, length: number, from: number) => void): void {
    const b = this.blocks[i];
    const g = this.groups[b.group];
    for (let r = 0; r < b.rows; r++) f(g.offset + (b.row + r) * g.cols + b.col, b.cols, r * b.cols);
  }

  /** A lane's row from per-name values (tensors or arrays). */
  pack(values: Record<string, ArrayLike<number> | tf.Tensor>, what: string): Float32Array {
    const row = new Float32Array(this.size);
    this.specs.forEach((p, i) => {
      const v = values[p.name];
      if (v === undefined) throw new Error(`${what}: '${p.name}' is missing`);
      const raw = v instanceof tf.Tensor ? v.dataSync() : v;
      const data = raw instanceof Float32Array ? raw : Float32Array.from(raw);
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) throw new Error(`${what}: '${p.name}' has ${data.length} values, expected ${n}`);
      this.pieces(i, (at, length, from) => row.set(data.subarray(from, from + length), at));
    });
    return row;
  }

  /** Per-name values (copies) from a lane's row. */
  unpack(row: Float32Array): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    this.specs.forEach((p, i) => {
      const values = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
      this.pieces(i, (at, length, from) => values.set(row.subarray(at, at + length), from));
      out[p.name] = values;
    });
    return out;
  }

  /** A row with `value(spec)` at every entry of each parameter. */
  fill(value: (spec: ParamSpec) => number): Float32Array {
    const row = new Float32Array(this.size);
    this.specs.forEach((p, i) => {
      const x = value(p);
      if (x !== 0) this.pieces(i, (at, length) => row.fill(x, at, at + length));
    });
    return row;
  }
}
