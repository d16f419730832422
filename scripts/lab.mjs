#!/usr/bin/env node
// `npm run lab`: opens JupyterLab on notebooks/ with the TypeScript (tslab) kernel ready.
//
// On a fresh clone it first does whatever is missing (each step is skipped when already done):
//   1. npm packages, the native tfjs backend and the compiled library in dist/ (ensure-setup.mjs);
//   2. a project-local Python environment .venv with JupyterLab, the Plotly renderer and nbclient;
//   3. the `tslab` kernel of this project's node_modules, registered in .venv (never globally).
// Then it starts JupyterLab and prints the address it listens on.
//
//   node scripts/lab.mjs [--port N] [--ip ADDRESS] [--no-browser] [--setup-only] [-- <jupyter lab args>]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureSetup } from './ensure-setup.mjs';
import { ensureLabEnv, jupyterEnv, root, venvPython } from './lab-env.mjs';

const USAGE = `Usage: npm run lab [-- options]   (or: node scripts/lab.mjs [options])

Sets up what is missing (npm packages, dist/, .venv with JupyterLab, the tslab kernel), then starts
JupyterLab on notebooks/.

Options:
  --port N        port to listen on (default 8888; the next free one if taken)
  --ip ADDRESS    address to listen on (default 127.0.0.1 = this machine only)
  --no-browser    do not open a web browser
  --setup-only    do the set-up, start nothing (used by CI and the tests)
  --help          this text
  -- ARGS         further arguments for \`jupyter lab\`

Environment: EA_SCALE=smoke|quick|full is passed on to the notebooks (default: load the committed
results from data/); EA_BACKEND=tensorflow|wasm|cpu picks the tfjs backend; EA_PYTHON the Python used
to create .venv.`;

function parseArgs(argv) {
  const opts = { port: undefined, ip: '127.0.0.1', browser: true, setupOnly: false, extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') throw new Error(`${a.split('=')[0]} needs a value`);
      return v;
    };
    if (a === '--') { opts.extra = argv.slice(i + 1); break; }
    if (a === '--help' || a === '-h') { opts.help = true; } else if (a === '--setup-only') { opts.setupOnly = true; } else if (a === '--no-browser') { opts.browser = false; } else if (a === '--port' || a.startsWith('--port=')) {
      const p = Number(value());
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`--port must be an integer in 1..65535; got ${argv[i]}`);
      opts.port = p;
    } else if (a === '--ip' || a.startsWith('--ip=')) {
      opts.ip = value();
    } else {
      throw new Error(`unknown option '${a}' (known: --port, --ip, --no-browser, --setup-only, --help; ` +
        'pass arguments for jupyter lab after --)');
    }
  }
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`lab: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

try {
  ensureSetup();
  ensureLabEnv();
} catch (err) {
  console.error(`\nlab: set-up failed: ${err.message}`);
  process.exit(1);
}
if (opts.setupOnly) {
  console.log(`[lab] ready: JupyterLab and the tslab kernel in ${join(root, '.venv')}; start it with \`npm run lab\``);
  process.exit(0);
}

const args = ['-m', 'jupyterlab', `--ServerApp.root_dir=${join(root, 'notebooks')}`, `--ServerApp.ip=${opts.ip}`,
  // Jupyter's default hidden files, plus notebooks/node_modules (the package link, see lab-env.mjs).
  ...['__pycache__', '*.pyc', '*.pyo', '.DS_Store', '*.so', '*.dylib', '*~', 'node_modules'].map((g) => `--ContentsManager.hide_globs=${g}`)];
if (opts.port !== undefined) args.push(`--ServerApp.port=${opts.port}`);
if (!opts.browser) args.push('--no-browser');
// Jupyter refuses to run as root without this (containers, CI machines).
if (process.getuid?.() === 0) args.push('--allow-root');
args.push(...opts.extra);
const child = spawn(venvPython, args, { cwd: join(root, 'notebooks'), env: jupyterEnv(), stdio: ['inherit', 'inherit', 'pipe'] });

// JupyterLab logs its address (with the login token) among other lines on stderr; pass everything
// through and repeat the address once, plainly, when it appears.
let announced = false;
let pending = '';
child.stderr.on('data', (chunk) => {
  process.stderr.write(chunk);
  if (announced) return;
  pending += chunk.toString();
  // The address with its token; JupyterLab's info lines mask the token ("?token=..."): skip those.
  const m = pending.match(/https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]|[\w.-]+):\d+\/lab(?:\?token=\w+|(?![?\w]))/);
  if (m) {
    announced = true;
    console.log(`\n[lab] JupyterLab is listening on ${m[0]}\n[lab] notebooks: ${join(root, 'notebooks')}; stop with Ctrl-C\n`);
  }
  pending = pending.slice(-4096);
});
// Ctrl-C reaches JupyterLab directly (same process group; it asks to confirm as usual): stay alive
// until it exits. Other stop signals are passed on.
process.on('SIGINT', () => {});
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
