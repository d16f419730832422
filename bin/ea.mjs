#!/usr/bin/env node
// The `ea` command (package.json "bin"): runs the compiled CLI, dist/cli.js. On a fresh clone, or when
// a source in lib/ is newer than the build, it first brings the clone to a working state with the same
// steps as `npm test` (scripts/ensure-setup.mjs: npm packages, native backend, tsc → dist/), with that
// output on stderr so `ea list` stays clean on stdout.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stale = !existsSync(join(root, 'node_modules', '.package-lock.json')) || !existsSync(cli) ||
  (existsSync(join(root, 'lib')) && statSync(cli).mtimeMs < newest(join(root, 'lib')));
if (stale) {
  const { ensureSetup } = await import(pathToFileURL(join(root, 'scripts', 'ensure-setup.mjs')).href);
  const log = console.log;
  console.log = (...args) => console.error(...args); // keep stdout for the command's own output
  try {
    ensureSetup();
  } finally {
    console.log = log;
  }
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
