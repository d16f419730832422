/**
 * README.md's commands still run: its "library in ten lines" (with fewer steps) as a script of its
 * own, and every `npx ea run` line as a dry run (the experiment and the options exist).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('README: the library in ten lines runs (at 30 steps) and prints a stop reason and the attention layers', () => {
  const section = README.slice(README.indexOf('## The library in ten lines'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'no ts block under "The library in ten lines"');
  assert.ok(code.split('\n').filter((l) => l.trim()).length <= 11, 'the ten lines grew');
  const script = code
    .replace("from 'expressive-attention'", `from ${JSON.stringify(pathToFileURL(join(ROOT, 'lib', 'index.ts')).href)}`)
    .replace('steps: 2000', 'steps: 30');
  assert.notEqual(script, code);
  const dir = mkdtempSync(join(tmpdir(), 'ea-readme-'));
  try {
    const file = join(dir, 'ten-lines.mts');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^(steps|perfect) \d/m);
    assert.match(r.stdout, /^2 layers of attention weights$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('README: every `npx ea run` line names an experiment and options the command accepts (as a dry run)', () => {
  const lines = [...README.matchAll(/^npx ea run ([^#\n]+?)\s*(?:#.*)?$/gm)].map((m) => m[1].trim()).filter((l) => !l.startsWith('--help'));
  assert.ok(lines.length >= 3, `found ${lines.length} run lines`);
  const out = mkdtempSync(join(tmpdir(), 'ea-readme-out-'));
  try {
    for (const line of lines) {
      const args = [...line.split(/\s+/), '--dry-run', '--out', out];
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'lib', 'cli.ts'), 'run', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
      assert.equal(r.status, 0, `npx ea run ${line}: ${r.stderr}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
