#!/usr/bin/env node
// Makes the fast tfjs backend (@tensorflow/tfjs-node) work, or says clearly why it cannot.
//
// npm install scripts are off in this project (.npmrc), so this script does tfjs-node's part:
//   1. if the binding already loads, nothing to do;
//   2. else run tfjs-node's own install script (downloads libtensorflow: works with internet);
//   3. else build the binding offline against the TensorFlow C library shipped in the
//      `tensorflow-cpu` Python wheel, which pip can fetch where the download host is blocked.
// If even that fails, the library still works on the wasm and cpu backends: this script says so and
// exits 0, and the library says so once when it starts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(root, 'node_modules', '@tensorflow', 'tfjs-node');
const wheelDir = join(root, '.cache', 'wheels');
const TF_WHEEL = 'tensorflow-cpu==2.21.0';

function log(msg) { console.log(`[setup-tfjs-node] ${msg}`); }

/** Loads tfjs-node in a child process; returns its TensorFlow version or null with the reason. */
function probeBinding() {
  const r = spawnSync(process.execPath, ['-e',
    "const tf=require('@tensorflow/tfjs-node');console.log(tf.version['tfjs-node']+' TF '+(tf.backend().binding?.TF_Version??'?'))"],
  { cwd: root, encoding: 'utf8' });
  if (r.status === 0) return { ok: true, version: r.stdout.trim() };
  const lines = (r.stderr || '').split('\n').filter((l) => /Error|error/.test(l));
  return { ok: false, reason: lines[0] ?? `exit ${r.status}` };
}

function run(cmd, args, cwd = root, env = process.env) {
  execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** node-gyp needs Node's headers; use the local ones npm is configured with (no download). */
function nodeHeadersEnv() {
  let nodedir = process.env.npm_config_nodedir;
  if (!nodedir) {
    try { nodedir = execFileSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
  }
  if (!nodedir || nodedir === 'undefined' || nodedir === 'null') {
    const guess = resolve(dirname(process.execPath), '..');
    if (existsSync(join(guess, 'include', 'node', 'node_api.h'))) nodedir = guess;
  }
  return nodedir ? { ...process.env, npm_config_nodedir: nodedir } : process.env;
}

function findWheel() {
  if (!existsSync(wheelDir)) return null;
  const w = readdirSync(wheelDir).find((f) => /^tensorflow_cpu-2\.21\.0-.*\.whl$/.test(f));
  return w ? join(wheelDir, w) : null;
}

/** tfjs-node's own install step: downloads a prebuilt libtensorflow and binding. */
function installNormally() {
  const r = spawnSync(process.execPath, ['scripts/install.js'], { cwd: pkgDir, encoding: 'utf8', timeout: 300_000 });
  return r.status === 0;
}

function buildOffline() {
  let wheel = findWheel();
  if (!wheel) {
    log(`fetching the TensorFlow C library from the ${TF_WHEEL} wheel (pip)`);
    mkdirSync(wheelDir, { recursive: true });
    run('python3', ['-m', 'pip', 'download', '--quiet', '--retries', '0', '--no-deps', TF_WHEEL, '-d', wheelDir]);
    wheel = findWheel();
    if (!wheel) throw new Error(`pip did not produce a ${TF_WHEEL} wheel in ${wheelDir}`);
  }
  const deps = join(pkgDir, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  log(`extracting libtensorflow and headers from ${wheel}`);
  // Python's zipfile: always present where pip is, unlike `unzip`.
  run('python3', ['-c', `
import sys, zipfile, os, shutil
wheel, deps = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for n in z.namelist():
        if n in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):
            with z.open(n) as src, open(os.path.join(deps, 'lib', os.path.basename(n)), 'wb') as dst:
                shutil.copyfileobj(src, dst)
        elif n.startswith('tensorflow/include/') and not n.endswith('/'):
            out = os.path.join(deps, 'include', n[len('tensorflow/include/'):])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(n) as src, open(out, 'wb') as dst:
                shutil.copyfileobj(src, dst)
`, wheel, deps]);
  for (const [link, target] of [['libtensorflow.so', 'libtensorflow_cc.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2']]) {
    const p = join(deps, 'lib', link);
    if (existsSync(p)) unlinkSync(p);
    symlinkSync(target, p);
  }
  log('building the native binding (node-pre-gyp --build-from-source, about 30 s)');
  const preGyp = join(root, 'node_modules', '@mapbox', 'node-pre-gyp', 'bin', 'node-pre-gyp');
  run(process.execPath, [preGyp, 'install', '--build-from-source'], pkgDir, nodeHeadersEnv());
  rmSync(join(deps, 'include'), { recursive: true, force: true }); // 1 GB of headers, not needed at run time
}

const first = probeBinding();
if (first.ok) {
  log(`tfjs-node ready: ${first.version}`);
  process.exit(0);
}
if (!existsSync(join(pkgDir, 'package.json'))) {
  log('@tensorflow/tfjs-node is not installed (run npm ci first); the library will use wasm/cpu.');
  process.exit(0);
}
log(`tfjs-node not usable yet (${first.reason}); running its install script (downloads libtensorflow)`);
if (installNormally() && probeBinding().ok) {
  log(`tfjs-node ready: ${probeBinding().version}`);
  process.exit(0);
}
log('the download did not work here; building the binding offline instead');
try {
  buildOffline();
  const second = probeBinding();
  if (!second.ok) throw new Error(second.reason);
  log(`tfjs-node ready (built offline): ${second.version}`);
} catch (err) {
  log(`tfjs-node could not be set up: ${err instanceof Error ? err.message : err}`);
  log('the library still works on the wasm and cpu backends (slower); it will say so when it starts.');
}
