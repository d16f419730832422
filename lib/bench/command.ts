/**
 * The `bench` command line (`npx ea bench …`, `npm run bench -- …`): parses the arguments, runs
 * `runBench`, prints progress and the table, and writes the JSON report.
 */
import { parseArgs } from 'node:util';
import { BACKENDS, backendInfo, type BackendName } from '../backend.js';
import { runBench, formatBenchTable, type BenchOptions } from './bench.js';
import { BENCH_CONFIGS, benchConfigs } from './configs.js';
import { measureWorkers } from './workers.js';
import { availableCores } from '../util/parallelism.js';

export const BENCH_HELP = `ea bench — training throughput of this library against PyTorch, side by side

Usage: ea bench [options]

  --config NAME     a reference configuration (repeatable; default all):
                    ${BENCH_CONFIGS.map((c) => c.name).join(', ')}
  --replicas S      replicas trained together in the batched mode (default 8)
  --steps N         timed steps per mode and round (default 10)
  --rounds R        rounds; modes alternate, the median round counts (default 3)
  --warmup N        untimed steps first (default 3)
  --backend B       ${BACKENDS.join(' | ')} (default: EA_BACKEND, else the best available)
  --no-torch        skip the PyTorch reference (default: run it; when no Python with torch is found, create
                    .cache/torch-venv with pip, once, dev-only: python3 -m venv + pip install torch==2.13.0 numpy)
  --python PATH     Python with torch (default: $EA_TORCH_PYTHON, .cache/torch-venv/bin/python, python3)
  --no-xla          skip the graph engine with XLA (tfjs-node; measured in a child process each round)
  --no-threads      skip the graph engine with one TensorFlow thread per core (tfjs-node, > 1 core; a child
                    process each round; the library's default is one thread, see docs/reproducibility.md)
  --no-naive        do not time the naive baseline step (its kernels are still counted)
  --json FILE       also write the figures as JSON
  --workers         instead: total throughput of 1 and of (cores) worker processes, each training 1 or
                    S models at once, with one TensorFlow thread per worker (the runner's --workers)
  -h, --help        this text

PyTorch runs in a child process (bench/torch_reference.py) with 1 thread and with its default thread
count; the faster is the reference. Ratios are model-steps per second of this library over PyTorch's.`;

/** Runs the command; returns the exit code. `print` receives output lines (default console.log). */
export async function runBenchCommand(argv: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', multiple: true }, replicas: { type: 'string' }, steps: { type: 'string' }, rounds: { type: 'string' },
        warmup: { type: 'string' }, backend: { type: 'string' }, 'no-torch': { type: 'boolean' }, python: { type: 'string' },
        'no-naive': { type: 'boolean' }, 'no-xla': { type: 'boolean' }, 'no-threads': { type: 'boolean' }, json: { type: 'string' }, workers: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    print(`ea bench: ${(err as Error).message}\n\n${BENCH_HELP}`);
    return 2;
  }
  if (values.help) {
    print(BENCH_HELP);
    return 0;
  }
  const int = (name: string): number | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer; got '${String(v)}'`);
    return n;
  };
  try {
    const backend = values.backend as string | undefined;
    if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
      throw new Error(`--backend must be one of ${BACKENDS.join(', ')}; got '${backend}'`);
    }
    const options: BenchOptions = {
      configs: values.config as string[] | undefined, replicas: int('replicas'), steps: int('steps'), rounds: int('rounds'), warmup: int('warmup'),
      backend: backend as BackendName | undefined, torch: values['no-torch'] ? false : 'auto', python: values.python as string | undefined,
      naive: !values['no-naive'], xla: !values['no-xla'], threads: !values['no-threads'], json: values.json as string | undefined, log: print,
    };
    if (values.workers) {
      await workersTable(options, print);
      return 0;
    }
    const report = await runBench(options);
    print('');
    print(formatBenchTable(report));
    if (options.json) print(`\nwrote ${options.json}`);
    return 0;
  } catch (err) {
    print(`ea bench: ${(err as Error).message}`);
    return 1;
  }
}

/** `--workers`: model-steps per second for 1 and `cores` workers × 1 and S lanes, per configuration. */
async function workersTable(options: BenchOptions, print: (line: string) => void): Promise<void> {
  const cores = availableCores();
  const S = options.replicas ?? 8;
  const backend = options.backend ?? (await backendInfo()).backend;
  const rows: string[] = ['| config | workers | models per worker | TF threads per worker | model-steps/s |', '|---|---|---|---|---|'];
  for (const c of benchConfigs(options.configs)) {
    for (const lanes of [1, S]) {
      for (const workers of [...new Set([1, cores])]) {
        const [m] = await measureWorkers({ config: c.name, workers: [workers], lanes, backend, steps: options.steps ?? (lanes > 1 ? 5 : 15), threads: 1 });
        const threads = backend === 'tensorflow' ? String(m.threads ?? 'default') : 'n/a';
        const line = `| ${c.name} | ${workers} | ${lanes} | ${threads} | ${m.modelStepsPerS.toFixed(1)} |`;
        rows.push(line);
        print(line);
      }
    }
  }
  print('');
  print(rows.join('\n'));
}
