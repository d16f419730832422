/**
 * notebookResults: cache or compute for notebooks — loading the committed data without training, a
 * smoke run into a temporary folder (then removed), a follow-up run that selects cells from another's
 * records, completeness, and the error for a run that was not loaded.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { initBackend } from '../lib/backend.js';
import { expandGrid } from '../lib/lab/grid.js';
import { dataNote, notebookResults, runsTable, type NotebookResults } from '../lib/notebook/data.js';
import { getExperiment } from '../lib/papers/registry.js';
import { defaultDataDir } from '../lib/lab/store.js';
import { testBackends } from './helpers.js';

const [backend] = await testBackends();

test('smoke: trains each run into a temporary folder, loads it, and cleanup() removes it', async () => {
  await initBackend(backend);
  const lines: string[] = [];
  const stream = { write: (s: string): boolean => { lines.push(s); return true; } } as unknown as NodeJS.WritableStream;
  const data = await notebookResults({ scale: 'smoke', stream, runs: [
    { experiment: 'ea-frontier' },
    { experiment: 'ea-frontier', options: { noPlateau: true, onlyStopped: 'plateau' } },
  ] });
  assert.equal(data.trained, true);
  assert.notEqual(data.root, defaultDataDir());
  const own = data.get('ea-frontier');
  const cells = expandGrid(getExperiment('ea-frontier'), 'smoke');
  assert.deepEqual(own.records.map((r) => r.key).sort(), cells.map((c) => c.key).sort());
  assert.deepEqual([own.completeness?.found, own.completeness?.expected, own.budget], [cells.length, cells.length, undefined]);
  const follow = data.get('ea-frontier', 'noplateau');
  assert.equal(follow.completeness, null, 'a run that selects cells has no grid to be complete against');
  const stopped = own.records.filter((r) => r.stopReason === 'plateau').map((r) => r.key).sort();
  assert.deepEqual(follow.records.map((r) => r.key).sort(), stopped, 'exactly the plateau-stopped cells, retrained');
  assert.ok(lines.join('').includes('ea-frontier'), 'progress was written to the stream');
  assert.throws(() => data.get('ea-single'), /no results for ea-single; loaded: ea-frontier, ea-frontier \(noplateau\)/);
  data.cleanup();
  assert.equal(existsSync(data.root), false);
});

test('unset scale: loads the committed full-scale records from data/ and trains nothing', async () => {
  const data = await notebookResults({ scale: undefined, runs: [{ experiment: 'ea-single' }] });
  assert.deepEqual([data.scale, data.root, data.trained], ['full', defaultDataDir(), false]);
  const single = data.get('ea-single');
  assert.ok(single.records.length > 0 && single.records.every((r) => r.scale === 'full'));
  assert.equal(single.completeness?.found, single.records.length);
  data.cleanup();
  assert.ok(existsSync(defaultDataDir()), 'cleanup never touches data/');
});

test('runsTable and dataNote: one row per run with records, grid size and engines; the incomplete grids named', async () => {
  const data = await notebookResults({ scale: undefined, runs: [{ experiment: 'ea-single' }, { experiment: 'ea-frontier', options: { noPlateau: true, onlyStopped: 'plateau' } }] });
  const table = runsTable(data);
  assert.equal(table.rows.length, 2);
  const [single, follow] = table.rows;
  const n = data.get('ea-single').records.length;
  assert.deepEqual(single.slice(0, 4), ['ea-single', 'full', String(n), String(data.get('ea-single').completeness?.expected)]);
  assert.match(String(single[4]), /^\d+ h \d\d min$/);
  assert.deepEqual(follow.slice(0, 2), ['ea-frontier', 'full-noplateau']);
  assert.equal(follow[3], 'cells it selects');
  assert.match(table.caption ?? '', /Backends: /);
  assert.equal(data.get('ea-single').completeness?.found, data.get('ea-single').completeness?.expected, 'the committed ea-single grid is complete');
  assert.equal(dataNote(data), '**The data are complete**: every cell of every grid has its record.', 'a run that selects cells has nothing to be complete against');
  const partial = { ...data, results: [{ ...data.get('ea-single'), completeness: { expected: 10, found: 7, missing: [], extra: [] } }] } as NotebookResults;
  assert.match(dataNote(partial), /^\*\*Incomplete data\*\*: ea-single has 7 of 10 cells\./);
});
