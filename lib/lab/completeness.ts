/** What a grid's records cover: how many of its cells have a record, and how long, where and on which engine they ran. */
import { expandGrid } from './grid.js';
import { getExperiment } from './experiments.js';
import type { ResultRecord } from './record.js';
import type { Scale } from './types.js';

export interface GridCompleteness {
  /** Cells of the experiment's grid at this scale. */
  expected: number;
  /** Of those, cells with a record. */
  found: number;
  /** Keys of the grid cells without a record. */
  missing: string[];
  /** Records whose key is not in the grid (e.g. from an older grid definition). */
  extra: string[];
}

/** How many of an experiment's grid cells (at `scale`) the records cover. */
export function gridCompleteness(experiment: string, scale: Scale, records: readonly Pick<ResultRecord, 'key'>[]): GridCompleteness {
  const keys = expandGrid(getExperiment(experiment), scale).map((c) => c.key);
  const have = new Set(records.map((r) => r.key));
  const grid = new Set(keys);
  const missing = keys.filter((k) => !have.has(k));
  return { expected: keys.length, found: keys.length - missing.length, missing, extra: [...have].filter((k) => !grid.has(k)) };
}

export interface RunTiming {
  cells: number;
  /** Earliest start and latest finish of the records (ISO times); '' without records. */
  firstStart: string;
  lastFinish: string;
  /** lastFinish − firstStart: the wall time of the run, if it ran in one go (gaps included otherwise). */
  spanMs: number;
  /**
   * Time spent training: the union of the records' [startedAt, finishedAt] intervals (cells trained
   * together, e.g. seeds batched into one model, count once; idle gaps between runs do not count).
   */
  busyMs: number;
  /** Distinct backends ('tensorflow (tfjs 4.22.0)') and hosts ('linux x64, 2 cpus, node v20…'). */
  backends: string[];
  hosts: string[];
  /** Distinct CPUs with their vector extensions ('AMD EPYC (avx2, fma)'), 'not recorded' for older records, with counts. */
  machines: string[];
  /** Distinct engines with counts ('eager, 5 lanes stacked: 120'), 'not recorded' for older records. */
  engines: string[];
}

/** Distinct values with their counts, most frequent first: 'x: 3'. */
function counted(values: readonly string[]): string[] {
  const n = new Map<string, number>();
  for (const v of values) n.set(v, (n.get(v) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1]).map(([v, k]) => `${v}: ${k}`);
}

/** Wall time, backend and host of a set of records (e.g. both EA experiments of one full run). */
export function runTiming(records: readonly ResultRecord[]): RunTiming {
  if (records.length === 0) return { cells: 0, firstStart: '', lastFinish: '', spanMs: 0, busyMs: 0, backends: [], hosts: [], machines: [], engines: [] };
  const intervals = records.map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt)] as [number, number]).sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let [from, to] = intervals[0];
  for (const [s, e] of intervals.slice(1)) {
    if (s > to) {
      busy += to - from;
      [from, to] = [s, e];
    } else {
      to = Math.max(to, e);
    }
  }
  busy += to - from;
  const first = Math.min(...intervals.map((i) => i[0]));
  const last = Math.max(...intervals.map((i) => i[1]));
  const uniq = (xs: string[]): string[] => [...new Set(xs)];
  return {
    cells: records.length,
    firstStart: new Date(first).toISOString(),
    lastFinish: new Date(last).toISOString(),
    spanMs: last - first,
    busyMs: busy,
    backends: uniq(records.map((r) => `${r.backend.backend} (tfjs ${r.backend.tfjs}${r.backend.tensorflow ? `, TensorFlow ${r.backend.tensorflow}` : ''})`)),
    hosts: uniq(records.map((r) => `${r.host.platform} ${r.host.arch}, ${r.host.cpus} cpus, node ${r.host.node}`)),
    machines: counted(records.map((r) => (r.host.cpu ? `${r.host.cpu} (${r.host.simd?.length ? r.host.simd.join(', ') : 'no avx2'})` : 'not recorded'))),
    engines: counted(records.map((r) => (r.engine ? `${r.engine.name}, ${r.engine.lanes === 1 ? 'one model' : `${r.engine.lanes} lanes stacked`}` : 'not recorded'))),
  };
}
