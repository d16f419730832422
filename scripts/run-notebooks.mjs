#!/usr/bin/env node
// `npm run notebooks`: executes the notebooks in place, so the committed copies carry their outputs.
//
//   node scripts/run-notebooks.mjs [NAME-FILTER ...]
//
// EA_SCALE is passed through: leave it unset for the committed copies (notebooks then load the
// full-scale results from data/ instead of training). A notebook is replaced only when every cell ran;
// a failed run is saved to test-artifacts/notebooks/ and the script exits 1. Each notebook must stay
// under 3 MB.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSetup } from './ensure-setup.mjs';
import { ensureLabEnv, jupyterEnv, root, venvPython } from './lab-env.mjs';

const MAX_BYTES = 3 * 1024 * 1024;
const dir = join(root, 'notebooks');
const filters = process.argv.slice(2);
const names = readdirSync(dir).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (names.length === 0) {
  console.error(`no notebook in notebooks/ matches ${filters.join(', ')}`);
  process.exit(1);
}
ensureSetup();
ensureLabEnv();
console.log(`[notebooks] EA_SCALE=${process.env.EA_SCALE || '(unset: load committed results)'}`);
let failures = 0;
for (const name of names) {
  const started = Date.now();
  const tmp = join(dir, `.${name}.running`);
  const r = spawnSync(venvPython, [join(root, 'scripts', 'run_notebook.py'), join(dir, name), tmp],
    { cwd: dir, env: jupyterEnv(), stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    failures++;
    const keep = join(root, 'test-artifacts', 'notebooks');
    mkdirSync(keep, { recursive: true });
    try { renameSync(tmp, join(keep, name)); } catch { /* nothing was written */ }
    const report = (r.stderr ?? '').split('\n').filter((l) => !/oneDNN custom operations|absl::InitializeLog/.test(l)).join('\n');
    console.error(`[notebooks] ${name}: FAILED after ${seconds} s (left unchanged; the failed run is in test-artifacts/notebooks/)\n${report}`);
    continue;
  }
  const size = statSync(tmp).size;
  if (size >= MAX_BYTES) {
    failures++;
    rmSync(tmp);
    console.error(`[notebooks] ${name}: ${(size / 1e6).toFixed(2)} MB executed, over the 3 MB limit (left unchanged)`);
    continue;
  }
  renameSync(tmp, join(dir, name));
  console.log(`[notebooks] ${name}: executed in ${seconds} s, ${(size / 1e3).toFixed(0)} kB`);
}
process.exit(failures ? 1 : 0);
