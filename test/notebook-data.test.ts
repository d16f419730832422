/**
 * notebookResults: cache or compute for notebooks — loading the committed data without training, a
 * smoke run into a temporary folder (then removed), a follow-up run that selects cells from another's
 * records, completeness, and the error for a run that was not loaded.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { initBackend } from '../lib/backend.js';
import { expandGrid } from '../lib/experiments/grid.js';
import { notebookResults } from '../lib/experiments/notebook-data.js';
import { getExperiment } from '../lib/experiments/registry.js';
import { defaultDataDir } from '../lib/experiments/store.js';
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
