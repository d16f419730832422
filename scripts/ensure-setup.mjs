// Brings a clone to a working state, doing only what is missing:
//   1. npm packages (npm ci when node_modules is absent or older than package-lock.json),
//   2. the native tfjs backend (setup-tfjs-node.mjs: checks it, builds it offline if needed),
//   3. the compiled library in dist/ (tsc when a source is newer than the build).
// Used by `npm test` and `npm run lab`, so both work as the first command on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureSetup({ build = true } = {}) {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
    console.log('[setup] installing npm packages (npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
  run(process.execPath, [join(root, 'scripts', 'setup-tfjs-node.mjs')]);
  const built = join(root, 'dist', 'index.js');
  if (build && (!existsSync(built) || statSync(built).mtimeMs < newestMtime(join(root, 'lib')))) {
    console.log('[setup] compiling the library (tsc → dist/)');
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  }
}
