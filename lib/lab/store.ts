/**
 * Where results live and how they are read back.
 *
 *   <root>/<paper>/<experiment>/<scale>/<cell key>.json         one record per finished cell
 *   <root>/<paper>/<experiment>/<scale>/<cell key>.model.json.gz   its trained parameters (gzipped JSON), when kept
 *   <root>/<paper>/<experiment>/<scale>/checkpoints/<cell key>.ckpt  a cell in progress (ignored by git, removed when it finishes)
 *
 * `<scale>` is the scale's name, or `<scale>-<budget>` for a run whose budget was changed on the
 * command line (`--steps 40000` → `full-steps40000`, `--budget-factor 10` → `full-x10`), so records of
 * different budgets never share a folder.
 *
 * `<root>` is `data/` at the top of the repository by default (EA_DATA_DIR overrides it). Each file is
 * written atomically (temp file + fsync + rename), so a reader — or a rerun after SIGKILL — sees either
 * no file or a complete one; the checksum inside also catches damage from elsewhere. A file that cannot
 * be read or checked is reported with its path and left out, never merged; the runner re-runs its cell.
 * Shards of one sweep write different cells, so different files, and merge by simply reading the directory.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../util/atomic-write.js';
import { decodeRecord, encodeRecord, type ResultRecord } from './record.js';
import type { ResultGroup, Scale } from './types.js';

/** The repository's `data/` directory (from this file: lib/lab or dist/lab → ../../data), or EA_DATA_DIR. */
export function defaultDataDir(): string {
  return process.env.EA_DATA_DIR || fileURLToPath(new URL('../../data', import.meta.url));
}

/** The directory of one experiment's results at one scale (and budget label, if the budget was changed). */
export function resultDir(root: string, paper: ResultGroup, experiment: string, scale: Scale, budget?: string): string {
  return join(root, paper, experiment, budget ? `${scale}-${budget}` : scale);
}

export const RECORD_SUFFIX = '.json';
export const MODEL_SUFFIX = '.model.json.gz';

export function recordPath(dir: string, key: string): string {
  return join(dir, `${key}${RECORD_SUFFIX}`);
}

export function modelPath(dir: string, key: string): string {
  return join(dir, `${key}${MODEL_SUFFIX}`);
}

/** Where the runner checkpoints a cell in progress. */
export function checkpointPath(dir: string, key: string): string {
  return join(dir, 'checkpoints', `${key}.ckpt`);
}

/**
 * The final state of a finished cell that a stop rule ended (`<dir>/states/<key>.ckpt`, ignored by git):
 * what `ea run … --continue` continues. Kept on the machine that made the run, never committed.
 */
export function statePath(dir: string, key: string): string {
  return join(dir, 'states', `${key}.ckpt`);
}

/** Writes a record atomically. */
export function writeRecord(dir: string, record: ResultRecord): string {
  const path = recordPath(dir, record.key);
  writeFileAtomic(path, encodeRecord(record));
  return path;
}

/** A result file that could not be used, and why. */
export interface ResultProblem {
  path: string;
  error: string;
}

export interface LoadedRecord {
  record: ResultRecord;
  path: string;
}

export interface ReadResults {
  records: LoadedRecord[];
  problems: ResultProblem[];
}

function isRecordFile(name: string): boolean {
  return name.endsWith(RECORD_SUFFIX) && !name.endsWith(MODEL_SUFFIX);
}

/** Reads and checks one record file. */
export function readRecord(path: string): ResultRecord {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    const record = decodeRecord(text);
    const name = path.split(/[\\/]/).pop() as string;
    if (name !== `${record.key}${RECORD_SUFFIX}`) throw new Error(`holds cell '${record.key}', which belongs in ${record.key}${RECORD_SUFFIX}`);
    return record;
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Every record under `dir` (recursively; a missing directory gives none). Files that are not valid
 * records are returned in `problems` with their path; they are never part of `records`.
 */
export function readResults(dir: string): ReadResults {
  const out: ReadResults = { records: [], problems: [] };
  if (!existsSync(dir)) return out;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && isRecordFile(e.name)) {
        try {
          out.records.push({ record: readRecord(p), path: p });
        } catch (err) {
          out.problems.push({ path: p, error: err instanceof Error ? err.message : String(err) });
        }
      }
    }
  };
  walk(dir);
  return out;
}

/** Removes temp files of interrupted atomic writes (`*.tmp-<pid>-<ms>`) older than `olderThanMs`; returns their paths relative to `dir`. */
export function removeStaleTempFiles(dir: string, olderThanMs = 10 * 60_000): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  const now = Date.now();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isFile() || !/\.tmp-\d+-\d+$/.test(e.name)) continue;
    const p = join(dir, e.name);
    if (now - statSync(p).mtimeMs > olderThanMs) {
      rmSync(p, { force: true });
      removed.push(relative(dir, p));
    }
  }
  return removed;
}
