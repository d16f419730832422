/**
 * Executes every notebook in notebooks/ headless with EA_SCALE=smoke (scripts/run_notebook.py: nbclient
 * with the tslab kernel); a type error or a runtime error in any cell fails the notebook's test. Also checks the
 * committed copies: executed (every code cell has run, no error output) and under 3 MB.
 *
 * Needs the JupyterLab environment (`node scripts/lab.mjs --setup-only`); skipped with a message
 * without it, except under CI=true, where a missing environment is a failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensureNotebookLink, jupyterEnv, labEnvStatus, root, venvPython } from '../scripts/lab-env.mjs';

const MAX_BYTES = 3 * 1024 * 1024;
const notebooksDir = join(root, 'notebooks');
const notebooks = readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort();

interface Output { output_type: string; ename?: string; evalue?: string; text?: string | string[] }
interface Cell { cell_type: string; execution_count?: number | null; outputs?: Output[]; source: string | string[] }
const readNotebook = (path: string): { cells: Cell[] } => JSON.parse(readFileSync(path, 'utf8')) as { cells: Cell[] };
const firstLine = (s: string | string[]): string => (Array.isArray(s) ? s.join('') : s).split('\n')[0];

function errorsIn(nb: { cells: Cell[] }): string[] {
  return nb.cells.flatMap((c, i) => (c.outputs ?? []).filter((o) => o.output_type === 'error')
    .map((o) => `cell ${i} (${firstLine(c.source)}): ${o.ename}: ${o.evalue}`));
}

const status = labEnvStatus();
const skip = status.ready ? false
  : `the JupyterLab environment is not set up (${status.reason}); run \`node scripts/lab.mjs --setup-only\` (CI does)`;
if (!status.ready && process.env.CI === 'true') throw new Error(`notebook tests cannot run in CI: ${status.reason}`);
if (skip) console.warn(`[notebooks.test] skipped: ${skip}`);
if (!skip) ensureNotebookLink();

const outDir = mkdtempSync(join(tmpdir(), 'ea-notebooks-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

test('there is at least one notebook, 00-attention-geometry first', () => {
  assert.ok(notebooks.includes('00-attention-geometry.ipynb'), `notebooks/: ${notebooks.join(', ')}`);
});

for (const name of notebooks) {
  test(`committed ${name}: executed, no error output, under 3 MB`, () => {
    const path = join(notebooksDir, name);
    const size = statSync(path).size;
    assert.ok(size < MAX_BYTES, `${name} is ${(size / 1e6).toFixed(2)} MB; notebooks must stay under 3 MB (do not inline plotly.js; thin the data)`);
    const nb = readNotebook(path);
    const unexecuted = nb.cells.map((c, i) => [c, i] as const)
      .filter(([c]) => c.cell_type === 'code' && firstLine(c.source).trim() !== '' && c.execution_count == null).map(([, i]) => i);
    assert.deepEqual(unexecuted, [], `${name}: code cells that were not executed (commit notebooks executed: npm run notebooks)`);
    assert.deepEqual(errorsIn(nb), [], `${name} was committed with error outputs`);
  });

  test(`${name} runs headless with EA_SCALE=smoke`, { skip, timeout: 20 * 60_000 }, () => {
    const started = performance.now();
    const r = spawnSync(venvPython, [join(root, 'scripts', 'run_notebook.py'), join(notebooksDir, name), join(outDir, name), '--timeout', '900'],
      { cwd: notebooksDir, env: jupyterEnv({ EA_SCALE: 'smoke' }), encoding: 'utf8' });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    // run_notebook.py names the failing cell and quotes the kernel's error (type errors included).
    const report = (r.stderr ?? r.error?.message ?? '').split('\n').filter((l) => !/oneDNN custom operations|absl::InitializeLog/.test(l)).join('\n').trim();
    assert.equal(r.status, 0, `${name} failed after ${seconds} s with EA_SCALE=smoke.\n${report.slice(-6000)}`);
    const executed = readNotebook(join(outDir, name));
    assert.deepEqual(errorsIn(executed), [], `${name}: error outputs`);
    console.log(`# ${name}: executed in ${seconds} s`);
  });
}
