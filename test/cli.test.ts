/**
 * The `ea` command: help, list, clear usage errors with exit code 2, and every paper's experiments at
 * smoke scale writing results into a temporary --out directory (never the repository's data/);
 * `--workers` (worker processes: the same records as one process; Ctrl-C); `ea bench`.
 * Most cases call `main()` in-process (fast); a few run the real command in a child process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../lib/backend.js';
import { ATTENTION_RULES } from '../lib/attention/registry.js';
import { BENCH_CONFIGS } from '../lib/bench/configs.js';
import { availableCores } from '../lib/util/parallelism.js';
import { BENCH_HELP } from '../lib/bench/command.js';
import { main } from '../lib/cli.js';
import { parseDuration } from '../lib/cli/args.js';
import { expandGrid } from '../lib/lab/grid.js';
import { EXPERIMENT_NAMES } from '../lib/papers/registry.js';
import type { ResultRecord } from '../lib/lab/record.js';
import { loadExperimentResults, loadResults } from '../lib/lab/results.js';
import { defaultDataDir, readResults } from '../lib/lab/store.js';
import { PAPERS } from '../lib/lab/types.js';
import { testBackends } from './helpers.js';
import { experimentsOf } from '../lib/papers/registry.js';

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
    assert.match(r.stdout, /ea list .*\n.*ea run <experiment>.*\n.*ea reproduce <paper>.*\n.*ea bench /);
  }
  for (const command of ['list', 'run', 'reproduce']) {
    const r = await ea(command, '--help');
    assert.equal(r.code, 0, command);
    assert.match(r.stdout, new RegExp(`^Usage: ea ${command}`), command);
    assert.deepEqual(await ea('help', command), r);
  }
  const runHelp = (await ea('run', '--help')).stdout;
  assert.match(runHelp, /--seeds N[\s\S]*--only axis=value[\s\S]*--shard k\/n[\s\S]*--out DIR[\s\S]*--backend/);
  // The defaults of --workers and --batch-seeds, with the measured benefit.
  assert.match(runHelp, /--workers N [\s\S]*Default: one per core[\s\S]*2 workers give 1\.4–1\.8×/);
  assert.match(runHelp, /--batch-seeds N [\s\S]*Default 8 on tensorflow[\s\S]*1 on wasm and cpu/);
  assert.match((await ea('reproduce', '--help')).stdout, /--workers, --batch-seeds/);
  // Long runs: budgets, time box, checkpoints, exit codes.
  assert.match(runHelp, /--steps N [\s\S]*--budget-factor x [\s\S]*config hash[\s\S]*<scale>-steps<N> or <scale>-x<x>/);
  assert.match(runHelp, /--stop-after DURATION [\s\S]*exits with code 75/);
  assert.match(runHelp, /--no-plateau [\s\S]*<scale>-noplateau[\s\S]*--only-stopped REASON [\s\S]*\(plateau, steps, perfect\)/);
  assert.match(runHelp, /--checkpoint-every DURATION [\s\S]*default 5m/);
  assert.match(runHelp, /Exit codes: 0 done, 1 some cells failed, 2 bad usage, 75 stopped by --stop-after, 130 stopped by\s+Ctrl-C or SIGTERM/);
  assert.match((await ea('reproduce', '--help')).stdout, /--steps, --budget-factor, --engine, --xla, --stop-after, --checkpoint-every/);
  assert.match(runHelp, /--engine auto\|eager\|graph [\s\S]*one TensorFlow graph each[\s\S]*auto \(the default\): graph on tfjs-node, else eager[\s\S]*records say which engine made them/);
});

test('durations: 2h30m, 90m, 45s, 1.5h; 0 only where allowed', () => {
  assert.equal(parseDuration('stop-after', '2h30m'), 9_000_000);
  assert.equal(parseDuration('stop-after', '90m'), 5_400_000);
  assert.equal(parseDuration('stop-after', '45s'), 45_000);
  assert.equal(parseDuration('stop-after', '1.5h'), 5_400_000);
  assert.equal(parseDuration('stop-after', '1h0m30s'), 3_630_000);
  assert.equal(parseDuration('checkpoint-every', '0', true), 0);
  for (const bad of ['', '0', '0m', '2', 'h', '1h 30m', '-5m', '5min', 'm5']) {
    assert.throws(() => parseDuration('stop-after', bad), /--stop-after takes a duration such as 2h30m, 90m or 45s; got /, `'${bad}'`);
  }
});

test('ea bench: the help of `npm run bench`, and an unknown configuration is a usage error listing the known ones', async () => {
  const help = await ea('bench', '--help');
  assert.equal(help.code, 0);
  assert.equal(help.stdout, `${BENCH_HELP}\n`);
  assert.match(help.stdout, /--json FILE/);
  assert.deepEqual(await ea('bench', '-h'), help);
  assert.deepEqual(await ea('help', 'bench'), help);
  // `npm run bench` is scripts/bench.ts: the same command, the same text.
  const script = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--help'], { cwd: repo, encoding: 'utf8' });
  assert.equal(script.status, 0, script.stderr);
  assert.equal(script.stdout, help.stdout);
  for (const argv of [['--config', 'nope'], ['--config', BENCH_CONFIGS[0].name, '--config=nope']]) {
    const bad = await ea('bench', ...argv, '--no-torch');
    assert.equal(bad.code, 2, argv.join(' '));
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, `error: ea bench: unknown benchmark configuration 'nope'; known: ${BENCH_CONFIGS.map((c) => c.name).join(', ')}\n`);
  }
  const option = await ea('bench', '--frobnicate');
  assert.equal(option.code, 2);
  assert.match(option.stdout, /ea bench: Unknown option '--frobnicate'/);
});

test('ea bench --json FILE: a tiny run prints the table and writes the figures of issue 5', async () => {
  const json = join(root, 'bench.json');
  const r = await ea('bench', '--config', 'ladder-transformer', '--steps', '1', '--rounds', '1', '--warmup', '0', '--replicas', '2',
    '--no-torch', '--no-naive', '--backend', backend, '--json', json);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\| ladder-transformer \|/);
  assert.match(r.stdout, new RegExp(`wrote ${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const saved = JSON.parse(readFileSync(json, 'utf8')) as { backend: string; configs: Record<string, unknown>[] };
  assert.equal(saved.backend, backend);
  assert.deepEqual(saved.configs.map((c) => c.name), ['ladder-transformer']);
  for (const key of ['torch_steps_per_s', 'single_steps_per_s', 'batched_model_steps_per_s', 'kernels_per_step', 'naive_kernels_per_step', 'ratio_single', 'ratio_batched']) {
    assert.ok(key in saved.configs[0], `JSON lacks ${key}`);
  }
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
  // The parallelism it would use: the defaults, or what was asked for (at most one worker per cell).
  const batch = backend === 'tensorflow' ? 8 : 1;
  assert.match(r.stdout, new RegExp(`^would run with ${Math.min(cells.length, availableCores())} worker process(es)?, up to ${batch} seeds? trained together \\(${backend}\\)$`, 'm'));
  const asked = await ea('run', e.name, '--scale', 'full', '--only', 'mechanism=expressive', '--out', out, '--dry-run', '--workers', '3', '--batch-seeds', '2');
  assert.match(asked.stdout, /^would run with 3 worker processes, up to 2 seeds trained together/m);
  const smoke = await ea('run', e.name, '--scale', 'smoke', '--out', out, '--dry-run');
  assert.match(smoke.stdout, /^would run with 1 worker process,/m, 'smoke runs in one process by default');
  const longer = await ea('run', e.name, '--scale', 'full', '--only', 'mechanism=expressive', '--out', out, '--dry-run', '--steps', '12000');
  assert.match(longer.stdout, new RegExp(`to run \\(≤ ${12000 * cells.length * 2 - (cells.length * 2 - expandGrid(e, 'full', { only: { mechanism: ['expressive'] } }).length) * 12000} steps\\) → \\S+${e.name}/full-steps12000\n`));
  assert.deepEqual([...new Set([...longer.stdout.matchAll(/^ {2}\S+ {2}\((\d+) steps\)$/gm)].map((m) => m[1]))], ['12000']);
});

test('usage errors: exit code 2 and a message listing the allowed values', async () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'; commands: list, run, reproduce, bench, help/],
    [['run', 'no-such-experiment'], new RegExp(`unknown experiment 'no-such-experiment'; known experiments: ${EXPERIMENT_NAMES.join(', ')}`)],
    [['run'], /name an experiment; known experiments: /],
    [['run', EXPERIMENT_NAMES[0], '--scale', 'huge'], /--scale must be one of smoke, quick, full; got 'huge'/],
    [['run', EXPERIMENT_NAMES[0], '--backend', 'gpu'], /--backend must be one of tensorflow, wasm, cpu; got 'gpu'/],
    [['run', EXPERIMENT_NAMES[0], '--seeds', 'x'], /--seeds must be a positive integer; got 'x'/],
    [['run', EXPERIMENT_NAMES[0], '--batch-seeds', '0'], /--batch-seeds must be a positive integer; got '0'/],
    [['run', EXPERIMENT_NAMES[0], '--workers', '0'], /--workers must be a positive integer; got '0'/],
    [['reproduce', 'ea', '--workers', 'two'], /--workers must be a positive integer; got 'two'/],
    [['run', EXPERIMENT_NAMES[0], '--shard', '3/2'], /--shard takes k\/n with 1 ≤ k ≤ n/],
    [['run', EXPERIMENT_NAMES[0], '--only', 'nosuchaxis=1'], /has no axis 'nosuchaxis'; its axes are /],
    [['run', EXPERIMENT_NAMES[0], '--only', 'mechanism=nosuch'], /axis 'mechanism' has no value 'nosuch'; its values \(quick\) are /],
    [['run', EXPERIMENT_NAMES[0], '--frob'], /ea run: Unknown option '--frob'\. Allowed options: --scale <value>, --seeds <value>, --only <value>/],
    [['reproduce', 'xyz'], /unknown paper 'xyz'; known papers: ea, ts, cog/],
    [['reproduce'], /ea reproduce takes one paper: ea, ts, cog/],
    [['reproduce', 'ea', '--only', 'mechanism=expressive'], /Unknown option '--only'/],
    [['list', '--paper', 'xyz'], /unknown paper 'xyz'; known papers: ea, ts, cog/],
    [['list', 'nope'], /unknown experiment 'nope'/],
    [['run', EXPERIMENT_NAMES[0], '--steps', '0'], /--steps must be a positive integer; got '0'/],
    [['run', EXPERIMENT_NAMES[0], '--steps', '1e4'], /--steps must be a positive integer; got '1e4'/],
    [['run', EXPERIMENT_NAMES[0], '--budget-factor', 'ten'], /--budget-factor must be a positive number; got 'ten'/],
    [['run', EXPERIMENT_NAMES[0], '--budget-factor', '0'], /--budget-factor must be a positive number; got '0'/],
    [['reproduce', 'ea', '--steps', '100', '--budget-factor', '2'], /--steps and --budget-factor cannot be used together; give one/],
    [['run', EXPERIMENT_NAMES[0], '--engine', 'xla'], /--engine must be one of auto, eager, graph; got 'xla'/],
    [['run', 'ea-frontier', '--only-stopped', 'bored'], /--only-stopped must be one of steps, perfect, plateau; got 'bored'/],
    [['run', 'ea-single', '--no-plateau'], /--no-plateau: experiment 'ea-single' \(quick\) has no plateau stop in cell /],
    [['run', 'ea-frontier', '--scale', 'full', '--out', join(root, 'nothing-here'), '--no-plateau', '--only-stopped', 'plateau'], /--only-stopped: no records of 'ea-frontier' in \S+full to choose cells from; run the grid there first/],
    [['run', 'ea-frontier', '--scale', 'full', '--out', join(root, 'nothing-here'), '--continue'], /continueStopped \(--continue\) continues plateau-stopped runs without the stop: it needs noPlateau and onlyStopped 'plateau'/],
    [['reproduce', 'ea', '--continue'], /--continue/],
    [['reproduce', 'ea', '--no-plateau'], /--no-plateau/],
    [['run', EXPERIMENT_NAMES[0], '--stop-after', '2 hours'], /--stop-after takes a duration such as 2h30m, 90m or 45s; got '2 hours'/],
    [['run', EXPERIMENT_NAMES[0], '--stop-after', '0'], /--stop-after takes a duration such as 2h30m, 90m or 45s; got '0'/],
    [['run', EXPERIMENT_NAMES[0], '--checkpoint-every', '5 min'], /--checkpoint-every takes a duration such as 2h30m, 90m or 45s \(or 0\); got '5 min'/],
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
  assert.ok(records.every((r) => r.backend.xla !== true), 'XLA is off by default');
  if (backend !== 'tensorflow') return;
  // --xla: TensorFlow loads with XLA auto-clustering (EA_XLA=1); the records say so.
  const xlaOut = join(root, 'child-xla');
  const xla = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli.ts', 'run', name, '--scale', 'smoke', '--out', xlaOut, '--xla', '--only', 'mechanism=expressive'], {
    cwd: repo, encoding: 'utf8', env: { ...process.env, EA_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: '2', EA_XLA: '', TF_XLA_FLAGS: '' },
  });
  assert.equal(xla.status, 0, xla.stderr);
  const [withXla] = loadResults(xlaOut, { quiet: true }).records;
  assert.equal(withXla.backend.xla, true);
  assert.equal(withXla.engine?.name, 'graph');
});

test('Ctrl-C (SIGINT) stops the real command with exit code 130, checkpointing the cell in progress; --stop-after resumes it and exits 75', async () => {
  const out = join(root, 'sigint');
  // 20 000 steps per cell: far more than the 2 s time box below can finish, on any engine (--steps files them under quick-steps20000).
  const argv = ['--import', 'tsx', 'lib/cli.ts', 'run', 'cog-delete', '--scale', 'quick', '--steps', '20000', '--out', out, '--workers', '1'];
  const child = spawn(process.execPath, argv, {
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
  assert.match(stderr, /Ctrl-C \(press it again to exit at once\): stopping after checkpointing/);
  const at = Number(/stopped \(cell mechanism=dot-product,seed=0 checkpointed at step (\d+); the next run resumes it\)/.exec(stderr)?.[1]);
  assert.match(stderr, /0 run, 0 already done, 0 failed, 2 left \(≤ \d+ steps\), stopped/);
  assert.match(stderr, /^left: 2 cells, ≤ \d+ steps — (about \S+ more at this run's [\d.]+ model-steps\/s|no estimate \(no steps trained in this run\)); run the same command again to continue$/m);
  const dir = join(out, 'cog', 'cog-delete', 'quick-steps20000');
  assert.deepEqual(readdirSync(dir), ['checkpoints'], 'no record, only the checkpoint');
  assert.deepEqual(readdirSync(join(dir, 'checkpoints')), ['mechanism=dot-product,seed=0.ckpt']);

  // The same command with a time box: it resumes the cell where it was stopped, stops when the time is up, exits 75.
  const again = await ea('run', 'cog-delete', '--scale', 'quick', '--steps', '20000', '--out', out, '--workers', '1', '--backend', backend, '--stop-after', '2s');
  assert.equal(again.code, 75, again.stderr);
  assert.match(again.stderr, new RegExp(`mechanism=dot-product,seed=0 resumed from its checkpoint at step ${at}/\\d+`));
  assert.match(again.stderr, /--stop-after 2s reached: stopping after checkpointing/);
  assert.match(again.stderr, /^left: [12] cells?, ≤ \d+ steps — about \S+ more at this run's [\d.]+ model-steps\/s; run the same command again to continue$/m);
});

/** The numbers of a record that must not depend on how it was run (one process, workers, batching). */
function numbers(r: ResultRecord): unknown {
  return {
    key: r.key, hash: r.configHash, steps: r.steps, stop: r.stopReason, final: r.finalAccuracy, best: r.bestAccuracy, bestStep: r.bestStep,
    loss: r.finalEvalLoss, bestLoss: r.bestEvalLoss, perLabel: r.perLabel, curve: r.curve, lossCurve: r.lossCurve, measures: r.measures,
  };
}

function recordsOf(dir: string): { numbers: unknown[]; shards: string[] } {
  const { records, problems } = readResults(dir);
  assert.deepEqual(problems, []);
  const sorted = records.map((x) => x.record).sort((a, b) => `${a.experiment}/${a.key}`.localeCompare(`${b.experiment}/${b.key}`));
  return { numbers: sorted.map(numbers), shards: [...new Set(sorted.map((r) => r.shard))].sort() };
}

test('--workers 2: two worker processes write exactly the records of one process, bit for bit', async () => {
  await initBackend(backend);
  for (const argv of [['reproduce', 'ts']]) { // 9 cells: transformer, cisformer, LSTM, MLP; two experiments
    const what = argv.join(' ');
    const one = join(root, `workers1-${argv[1]}`);
    const two = join(root, `workers2-${argv[1]}`);
    const r1 = await ea(...argv, '--scale', 'smoke', '--backend', backend, '--out', one, '--workers', '1');
    assert.equal(r1.code, 0, r1.stderr);
    const r2 = await ea(...argv, '--scale', 'smoke', '--backend', backend, '--out', two, '--workers', '2');
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /2 worker processes \(shares 1\/2, 2\/2\), up to \d+ seeds? trained together, TF_NUM_INTRAOP_THREADS=1 each/, what);
    const a = recordsOf(one);
    const b = recordsOf(two);
    assert.ok(a.numbers.length >= 4, `${what}: ${a.numbers.length} records`);
    assert.deepEqual(b.numbers, a.numbers, `${what}: the same records`);
    assert.deepEqual(a.shards, ['1/1']);
    assert.deepEqual(b.shards, ['1/2', '2/2'], `${what}: both workers wrote records`);
    // One summary line per experiment, merged over the workers.
    for (const e of experimentsOf('ts')) {
      const n = expandGrid(e, 'smoke').length;
      assert.match(r2.stderr, new RegExp(`^${e.name} \\(smoke\\): ${n} run, 0 already done, 0 failed in `, 'm'), `${what}: ${e.name}`);
    }
    // Everything is done now: nothing to run, so no workers are started.
    const again = await ea(...argv, '--scale', 'smoke', '--backend', backend, '--out', two, '--workers', '2');
    assert.equal(again.code, 0);
    assert.match(again.stderr, /0 run, \d+ already done, 0 failed/);
    assert.doesNotMatch(again.stderr, /worker processes/);
  }
});

test('SIGTERM with --workers 2 (a batch system ending the job): the workers checkpoint and stop, exit code 130, no record half-done', async () => {
  const out = join(root, 'sigterm-workers');
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/cli.ts', 'run', 'cog-lm', '--scale', 'quick', '--out', out, '--workers', '2'], {
    cwd: repo, env: { ...process.env, EA_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: '2' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /2 worker processes/.test(stderr)) {
        sent = true; // while the workers start or train (either way they must stop)
        setTimeout(() => { child.kill('SIGTERM'); resolve(); }, 2000);
      }
    });
  });
  assert.equal(await exit, 130, stderr);
  assert.match(stderr, /SIGTERM: stopping after checkpointing the cells in progress/);
  assert.doesNotMatch(stderr, /exited with code|was ended by/, 'no worker died');
  const dir = join(out, 'cog', 'cog-lm', 'quick');
  assert.deepEqual((existsSync(dir) ? readdirSync(dir) : []).filter((f) => f !== 'checkpoints'), [], 'no record');
  const checkpoints = existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')) : [];
  assert.ok(checkpoints.every((f) => f.endsWith('.ckpt')), checkpoints.join(', '));
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
