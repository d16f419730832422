#!/usr/bin/env node
// `npm test`: sets up what is missing (npm packages, native backend, dist/), then runs every
// test/**/*.test.ts through Node's test runner with tsx.
// Arguments: file-name filters and node --test flags, e.g. `npm test -- attention --test-name-pattern=cog`.
// EA_TEST_BACKENDS=cpu,wasm limits the backends the numeric tests sweep (default: all that load).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureSetup, root } from './ensure-setup.mjs';

ensureSetup();
function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []);
}
const files = find(join(root, 'test')).map((f) => relative(root, f)).sort();
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
if (selected.length === 0) {
  console.error(`no test file matches ${only.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', ...flags, ...selected],
  { cwd: root, stdio: 'inherit', env: { TF_CPP_MIN_LOG_LEVEL: '2', ...process.env } });
process.exit(r.status ?? 1);
