#!/usr/bin/env node
// Runs the test suite: every test/**/*.test.ts through Node's test runner with tsx.
// Arguments are passed on (e.g. `npm test -- --test-name-pattern=cog`). EA_TEST_BACKENDS=cpu,wasm limits
// the backends the numeric tests sweep (default: every backend that loads).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []);
}
const files = find(join(root, 'test')).map((f) => relative(root, f)).sort();
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
const r = spawnSync(process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', ...flags, ...selected],
  { cwd: root, stdio: 'inherit', env: { TF_CPP_MIN_LOG_LEVEL: '2', ...process.env } });
process.exit(r.status ?? 1);
