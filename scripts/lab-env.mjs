// What JupyterLab and the notebooks need besides npm packages and dist/:
//
//   ensureLabEnv()   creates the project-local Python environment .venv if missing, installs
//                    scripts/requirements-lab.txt into it when the requirements changed (or a package is
//                    missing), registers the TypeScript kernel `tslab` of this project's node_modules in
//                    .venv — never globally — and links notebooks/node_modules/expressive-attention.
//   labEnvStatus()   says whether all of that is in place, without changing anything (tests use it).
//   jupyterEnv()     the environment to run Jupyter with, so it uses .venv and prefers its kernels.
//
// Idempotent: a second run finds everything in place and takes about a second.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const venvDir = join(root, '.venv');
const isWindows = process.platform === 'win32';
const venvBinDir = join(venvDir, isWindows ? 'Scripts' : 'bin');
export const venvPython = join(venvBinDir, isWindows ? 'python.exe' : 'python');
const requirementsFile = join(root, 'scripts', 'requirements-lab.txt');
const stampFile = join(venvDir, '.expressive-attention-lab.json');
/** Kernel name: notebooks record it in their metadata, so it must stay 'tslab'. */
export const KERNEL_NAME = 'tslab';
const kernelDir = join(venvDir, 'share', 'jupyter', 'kernels', KERNEL_NAME);
const tslabScript = join(root, 'node_modules', 'tslab', 'bin', 'tslab');
// Modules whose import proves the environment is usable.
const PROBE = 'import jupyterlab, nbclient, nbconvert, ipykernel, plotly';

function log(msg) { console.log(`[lab-env] ${msg}`); }

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

function capture(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...options });
  return { ok: !r.error && r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
}

/** The environment Jupyter runs in: .venv first on PATH, and its kernels preferred over per-user ones. */
export function jupyterEnv(extra = {}) {
  return {
    ...process.env,
    VIRTUAL_ENV: venvDir,
    PATH: `${venvBinDir}${delimiter}${process.env.PATH ?? ''}`,
    // jupyter_core ≥ 5 already prefers the environment inside a venv; say it explicitly so a per-user
    // `tslab` kernel (~/.local/share/jupyter/kernels) can never shadow the project's.
    JUPYTER_PREFER_ENV_PATH: '1',
    PYTHONNOUSERSITE: '1',
    TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
    ...extra,
  };
}

/** A Python ≥ 3.9 to create the venv with: $EA_PYTHON, else python3, else python. */
function findPython() {
  const candidates = process.env.EA_PYTHON ? [process.env.EA_PYTHON] : ['python3', 'python'];
  for (const py of candidates) {
    const r = capture(py, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    if (!r.ok) continue;
    const [major, minor] = r.stdout.trim().split('.').map(Number);
    if (major === 3 && minor >= 9) return py;
    log(`${py} is Python ${r.stdout.trim()}; need 3.9 or newer`);
  }
  throw new Error('Python 3.9+ is needed for JupyterLab: install it (Debian/Ubuntu: apt install python3 python3-venv) ' +
    'or point EA_PYTHON at one');
}

function requirementsHash() {
  return createHash('sha256').update(readFileSync(requirementsFile)).digest('hex').slice(0, 16);
}

function readStamp() {
  try { return JSON.parse(readFileSync(stampFile, 'utf8')); } catch { return undefined; }
}

function packagesImport() {
  return capture(venvPython, ['-c', PROBE], { env: jupyterEnv() }).ok;
}

/** The kernel spec this checkout needs: this Node running this project's tslab. */
function wantedKernelSpec() {
  return {
    argv: [process.execPath, tslabScript, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (tslab)',
    language: 'typescript',
    env: { TF_CPP_MIN_LOG_LEVEL: '2' },
    metadata: { 'expressive-attention': { root } },
  };
}

function kernelSpecCurrent() {
  try {
    const spec = JSON.parse(readFileSync(join(kernelDir, 'kernel.json'), 'utf8'));
    return JSON.stringify(spec) === JSON.stringify(wantedKernelSpec()) && existsSync(spec.argv[0]) && existsSync(spec.argv[1]);
  } catch {
    return false;
  }
}

/**
 * Where Jupyter (run with jupyterEnv) finds the `tslab` kernel, or undefined. Must be inside .venv;
 * anything else means another installation shadows ours.
 */
function resolvedKernelDir() {
  const r = capture(venvPython, ['-m', 'jupyter', 'kernelspec', 'list', '--json'], { env: jupyterEnv() });
  if (!r.ok) return undefined;
  try { return JSON.parse(r.stdout).kernelspecs?.[KERNEL_NAME]?.resource_dir; } catch { return undefined; }
}

// tslab type-checks cells with TypeScript 5.0 and `moduleResolution: node10`, which ignores package.json
// `exports` and so cannot resolve the package's import of itself by name (Node's runtime can). A link
// notebooks/node_modules/expressive-attention → the project root makes `import * as ea from
// 'expressive-attention'` resolve, for types and at run time, from any notebook under notebooks/.
// (node_modules/ is git-ignored at every level; npm never touches this folder.)
const notebookLink = join(root, 'notebooks', 'node_modules', 'expressive-attention');
const LINK_TARGET = join('..', '..');

function notebookLinkCurrent() {
  try {
    return lstatSync(notebookLink).isSymbolicLink() && resolve(dirname(notebookLink), readlinkSync(notebookLink)) === root;
  } catch {
    return false;
  }
}

/** Creates (or repairs) notebooks/node_modules/expressive-attention → the project root. */
export function ensureNotebookLink() {
  if (notebookLinkCurrent()) return;
  mkdirSync(dirname(notebookLink), { recursive: true });
  rmSync(notebookLink, { recursive: false, force: true });
  symlinkSync(isWindows ? root : LINK_TARGET, notebookLink, isWindows ? 'junction' : 'dir');
  log('linked notebooks/node_modules/expressive-attention → the project root (for tslab\'s type checker)');
}

/** What is missing for JupyterLab and the notebook tests, without changing anything. */
export function labEnvStatus() {
  if (!existsSync(venvPython)) return { ready: false, reason: `no Python environment at ${venvDir}` };
  const stamp = readStamp();
  if (!stamp || stamp.requirements !== requirementsHash()) {
    return { ready: false, reason: `${venvDir} lacks the packages of scripts/requirements-lab.txt` };
  }
  if (!existsSync(tslabScript)) return { ready: false, reason: 'node_modules/tslab is missing (npm ci)' };
  if (!kernelSpecCurrent()) return { ready: false, reason: `the tslab kernel is not registered in ${venvDir}` };
  if (!notebookLinkCurrent()) return { ready: false, reason: 'notebooks/node_modules/expressive-attention is missing' };
  return { ready: true, python: venvPython, kernelDir };
}

/** Registers this project's tslab as the `tslab` kernel of .venv (writes kernel.json atomically). */
function registerKernel() {
  if (!existsSync(tslabScript)) throw new Error(`${tslabScript} is missing: run npm ci first`);
  if (!kernelSpecCurrent()) {
    // Written directly rather than with `tslab install`: it pins the Node that runs this setup (not
    // whichever `node` is first on PATH when Jupyter starts) and never touches a global kernel directory.
    mkdirSync(kernelDir, { recursive: true });
    const tmp = join(kernelDir, `kernel.json.${process.pid}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(wantedKernelSpec(), null, 1)}\n`);
    renameSync(tmp, join(kernelDir, 'kernel.json'));
    log(`registered the TypeScript kernel '${KERNEL_NAME}' (${process.execPath} + node_modules/tslab) in ${kernelDir}`);
  }
  const found = resolvedKernelDir();
  if (found === undefined) throw new Error(`Jupyter in ${venvDir} does not list the '${KERNEL_NAME}' kernel`);
  if (resolve(found) !== resolve(kernelDir)) {
    log(`warning: Jupyter resolves the '${KERNEL_NAME}' kernel to ${found}, not to ${kernelDir}. ` +
      'Another installation shadows the project\'s kernel; remove it (jupyter kernelspec remove tslab) or set JUPYTER_PATH.');
  }
}

/** Creates .venv and installs its packages when missing or outdated; registers the kernel. */
export function ensureLabEnv() {
  if (!existsSync(venvPython)) {
    const python = findPython();
    log(`creating the project's Python environment: ${python} -m venv .venv`);
    const r = capture(python, ['-m', 'venv', venvDir]);
    if (!r.ok) {
      throw new Error(`${python} -m venv failed: ${r.stderr.trim().split('\n').at(-1)}\n` +
        'On Debian/Ubuntu the venv module is a separate package: apt install python3-venv');
    }
  }
  // JupyterLab runs `node <.venv>/.../jupyterlab/node-version-check.js`; inside this project Node would
  // read the root package.json's "type": "module" and fail on that CommonJS file. A package.json in
  // .venv is the nearest one for everything below it.
  const venvPackageJson = join(venvDir, 'package.json');
  if (!existsSync(venvPackageJson)) writeFileSync(venvPackageJson, '{ "type": "commonjs", "private": true }\n');
  const hash = requirementsHash();
  const stamp = readStamp();
  if (!stamp || stamp.requirements !== hash || !packagesImport()) {
    log('installing JupyterLab, the Plotly renderer and nbclient into .venv (pip, about 20 s)');
    // Fail fast on an unreachable package index instead of retrying for minutes; PIP_RETRIES overrides.
    const retries = process.env.PIP_RETRIES ? [] : ['--retries', '0'];
    run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', ...retries,
      '-r', requirementsFile], { env: jupyterEnv() });
    if (!packagesImport()) throw new Error(`pip finished, but "${PROBE}" fails in ${venvPython}`);
    writeFileSync(stampFile, `${JSON.stringify({ requirements: hash, installed: new Date().toISOString() })}\n`);
  }
  registerKernel();
  ensureNotebookLink();
  return labEnvStatus();
}
