/**
 * The `ea` command: help, list, clear usage errors with exit code 2, and every paper's experiments at
 * smoke scale writing results into a temporary --out directory (never the repository's data/).
 * Most cases call `main()` in-process (fast); one runs the real command in a child process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../lib/backend.js';
import { ATTENTION_RULES } from '../lib/attention/registry.js';
import { main } from '../lib/cli.js';
import { expandGrid } from '../lib/experiments/grid.js';
import { EXPERIMENT_NAMES, experimentsOf } from '../lib/experiments/registry.js';
import { loadExperimentResults, loadResults } from '../lib/experiments/results.js';
import { defaultDataDir } from '../lib/experiments/store.js';
import { PAPERS } from '../lib/experiments/types.js';
import { testBackends } from './helpers.js';

const backend = (await testBackends())[0];
const root = mkdtempSync(join(tmpdir(), 'ea-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const repo = fileURLToPath(new URL('..', import.meta.url));

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

async function ea(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

test('help: the main text and each command', async () => {
  for (const argv of [[], ['--help'], ['help']]) {
    const r = await ea(...argv);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /ea list .*\n.*ea run <experiment>.*\n.*ea reproduce <paper>/);
  }
  for (const command of ['list', 'run', 'reproduce']) {
    const r = await ea(command, '--help');
    assert.equal(r.code, 0, command);
    assert.match(r.stdout, new RegExp(`^Usage: ea ${command}`), command);
    assert.deepEqual(await ea('help', command), r);
  }
  assert.match((await ea('run', '--help')).stdout, /--seeds N[\s\S]*--only axis=value[\s\S]*--shard k\/n[\s\S]*--out DIR[\s\S]*--backend/);
});

test('list: experiments with cell counts per scale, mechanisms, model and task kinds', async () => {
  const r = await ea('list');
  assert.equal(r.code, 0);
  for (const name of EXPERIMENT_NAMES) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'), name);
  const first = experimentsOf('ea')[0];
  const counts = ['smoke', 'quick', 'full'].map((s) => `${s} ${expandGrid(first, s as 'smoke').length}`).join(' · ');
  assert.ok(r.stdout.includes(counts), `counts of ${first.name}: ${counts}`);
  assert.ok(r.stdout.includes(`Mechanisms (attention rules): ${ATTENTION_RULES.join(', ')}`));
  assert.match(r.stdout, /Model kinds: transformer, lstm, mlp/);
  assert.match(r.stdout, /Task kinds: ladder, iarc, .*text/);
  const one = await ea('list', first.name);
  assert.equal(one.code, 0);
  assert.match(one.stdout, /smoke: \d+ cells\n {4}mechanism: /);
  const paper = await ea('list', '--paper', 'cog');
  assert.ok(experimentsOf('cog').every((e) => paper.stdout.includes(e.name)));
  assert.ok(!paper.stdout.includes(`  ${first.name} `));
});

test('--dry-run lists the cells a run would train and trains nothing', async () => {
  const out = join(root, 'dry');
  const e = experimentsOf('ea')[0];
  const r = await ea('run', e.name, '--scale', 'full', '--only', 'mechanism=expressive', '--shard', '1/2', '--out', out, '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  const cells = expandGrid(e, 'full', { only: { mechanism: ['expressive'] }, shard: { k: 1, n: 2 } });
  assert.match(r.stdout, new RegExp(`^${e.name} \\(full\\): ${cells.length} cells, 0 already done, ${cells.length} to run`));
  assert.deepEqual([...r.stdout.matchAll(/^ {2}(\S+) {2}\(\d+ steps\)$/gm)].map((m) => m[1]), cells.map((c) => c.key));
  assert.equal(existsSync(out), false);
});

test('usage errors: exit code 2 and a message listing the allowed values', async () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'; commands: list, run, reproduce, help/],
    [['run', 'no-such-experiment'], new RegExp(`unknown experiment 'no-such-experiment'; known experiments: ${EXPERIMENT_NAMES.join(', ')}`)],
    [['run'], /name an experiment; known experiments: /],
    [['run', EXPERIMENT_NAMES[0], '--scale', 'huge'], /--scale must be one of smoke, quick, full; got 'huge'/],
    [['run', EXPERIMENT_NAMES[0], '--backend', 'gpu'], /--backend must be one of tensorflow, wasm, cpu; got 'gpu'/],
    [['run', EXPERIMENT_NAMES[0], '--seeds', 'x'], /--seeds must be a positive integer; got 'x'/],
    [['run', EXPERIMENT_NAMES[0], '--batch-seeds', '0'], /--batch-seeds must be a positive integer; got '0'/],
    [['run', EXPERIMENT_NAMES[0], '--shard', '3/2'], /--shard takes k\/n with 1 ≤ k ≤ n/],
    [['run', EXPERIMENT_NAMES[0], '--only', 'nosuchaxis=1'], /has no axis 'nosuchaxis'; its axes are /],
    [['run', EXPERIMENT_NAMES[0], '--only', 'mechanism=nosuch'], /axis 'mechanism' has no value 'nosuch'; its values \(quick\) are /],
    [['run', EXPERIMENT_NAMES[0], '--frob'], /ea run: Unknown option '--frob'\. Allowed options: --scale <value>, --seeds <value>, --only <value>/],
    [['reproduce', 'xyz'], /unknown paper 'xyz'; known papers: ea, ts, cog/],
    [['reproduce'], /ea reproduce takes one paper: ea, ts, cog/],
    [['reproduce', 'ea', '--only', 'mechanism=expressive'], /Unknown option '--only'/],
    [['list', '--paper', 'xyz'], /unknown paper 'xyz'; known papers: ea, ts, cog/],
    [['list', 'nope'], /unknown experiment 'nope'/],
  ];
  for (const [argv, re] of cases) {
    const r = await ea(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: exit code`);
    assert.match(r.stderr, re, argv.join(' '));
    assert.match(r.stderr, /^error: /);
  }
});

test('the real command: exit code 2 on an unknown experiment, and a smoke run into --out', () => {
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli.ts', 'run', 'no-such-experiment'], { cwd: repo, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /error: unknown experiment 'no-such-experiment'; known experiments: /);
  const out = join(root, 'child');
  const name = EXPERIMENT_NAMES[0];
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli.ts', 'run', name, '--scale', 'smoke', '--out', out], {
    cwd: repo, encoding: 'utf8', env: { ...process.env, EA_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`${name} \\(smoke\\): \\d+ cells, 0 already done`));
  const { records, problems } = loadResults(out, { quiet: true });
  assert.deepEqual(problems, []);
  assert.equal(records.length, expandGrid(experimentsOf('ea')[0], 'smoke').length);
});

test('Ctrl-C (SIGINT) stops the real command cleanly with exit code 130, writing nothing half-done', async () => {
  const out = join(root, 'sigint');
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/cli.ts', 'run', 'cog-delete', '--scale', 'quick', '--out', out], {
    cwd: repo, env: { ...process.env, EA_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: '2' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /cog-delete \(quick\): 2 cells/.test(stderr)) {
        sent = true; // one Ctrl-C (a second one exits at once)
        setTimeout(() => { child.kill('SIGINT'); resolve(); }, 300);
      }
    });
  });
  assert.equal(await exit, 130, stderr);
  assert.match(stderr, /Ctrl-C: stopping/);
  assert.match(stderr, /stopped \(cell mechanism=dot-product,seed=0 abandoned, not written\)/);
  const dir = join(out, 'cog', 'cog-delete', 'quick');
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
});

for (const paper of PAPERS) {
  test(`reproduce ${paper} --scale smoke writes every experiment's results into --out`, async () => {
    await initBackend(backend);
    const repoDirs = experimentsOf(paper).map((e) => join(defaultDataDir(), paper, e.name, 'smoke'));
    const existedBefore = repoDirs.map((d) => existsSync(d));
    const out = join(root, paper);
    const r = await ea('reproduce', paper, '--scale', 'smoke', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const { records, problems } = loadResults(out, { quiet: true });
    assert.deepEqual(problems, []);
    for (const e of experimentsOf(paper)) {
      const cells = expandGrid(e, 'smoke');
      const got = records.filter((x) => x.experiment === e.name);
      assert.deepEqual(got.map((x) => x.key).sort(), cells.map((c) => c.key).sort(), e.name);
      assert.deepEqual(loadExperimentResults(e.name, 'smoke', { root: out, quiet: true }).records.map((x) => x.key).sort(), cells.map((c) => c.key).sort());
      for (const x of got) {
        assert.equal(x.scale, 'smoke');
        assert.ok(x.steps > 0 && x.finalAccuracy >= 0 && x.finalAccuracy <= 1, `${e.name} ${x.key}`);
      }
    }
    // A second reproduce finds everything done.
    const again = await ea('reproduce', paper, '--scale', 'smoke', '--out', out);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /0 run, \d+ already done, 0 failed/);
    assert.deepEqual(repoDirs.map((d) => existsSync(d)), existedBefore, 'nothing was written into the repository\'s data/');
  });
}
