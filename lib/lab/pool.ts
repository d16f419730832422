/**
 * `ea run --workers N` / `ea reproduce --workers N`: the same command in N worker processes, each on a
 * disjoint share of the cells, with their progress merged into one display.
 *
 *   parent   plans the run (cells, cells done), starts N children and shows one progress display
 *   child i  `ea run … --shard <share i> --workers 1 --batch-seeds B --backend X`, with EA_WORKER=1:
 *            runs its share as any `ea run` does (skips finished cells, writes each record atomically),
 *            but sends its progress events and final summaries to the parent over the IPC channel
 *            instead of printing them
 *
 * Shares: worker i of N within the user's `--shard k/n` (default 1/1) gets `workerShard(i, N, {k, n})`
 * = (k + n·(i−1)) / (n·N): the cells with index ≡ k−1 (mod n) — the user's share — and
 * ⌊index / n⌋ ≡ i−1 (mod N) — every N-th of them. The N workers' shares are disjoint and together are
 * exactly the user's share (test/cli.test.ts checks it).
 *
 * Each child gets TF_NUM_INTRAOP_THREADS=1 (and TF_NUM_INTEROP_THREADS=1) unless they are set: N
 * TensorFlow thread pools of one thread per core each, on N cores, mostly wait for each other
 * (bench/README.md). Stopping: `stop()` asks every child to stop after checkpointing its cells in progress
 * (Ctrl-C, SIGTERM, --stop-after), `kill()` ends them at once with SIGKILL (a second Ctrl-C: they lose
 * the training since their last checkpoint); a child whose parent disappears, or that gets SIGTERM
 * itself (a batch system ending the job), stops as on `stop()`. Safety is that of every run: a record
 * is written only when its cell is complete, a checkpoint only whole, both atomically.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ResultRecord } from './record.js';
import type { RunEvent, RunSummary } from './runner.js';
import type { Cell } from './types.js';

export interface Shard {
  k: number;
  n: number;
}

/**
 * Worker i's share (1 ≤ i ≤ workers) of the user's share `outer` (default 1/1): index ≡ (k−1) + n·(i−1)
 * (mod n·workers). See the file comment.
 */
export function workerShard(i: number, workers: number, outer: Shard = { k: 1, n: 1 }): Shard {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer; got ${workers}`);
  if (!Number.isInteger(i) || i < 1 || i > workers) throw new Error(`worker index must be in 1..${workers}; got ${i}`);
  const { k, n } = outer;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(k) && k >= 1 && k <= n)) throw new Error(`shard must be k/n with 1 ≤ k ≤ n; got ${k}/${n}`);
  return { k: k + n * (i - 1), n: n * workers };
}

/** The environment variable that marks a worker process (set by `runWorkerPool`). */
export const WORKER_ENV = 'EA_WORKER';

/** Whether this process is a worker of a pool (EA_WORKER=1 and an IPC channel to the parent). */
export function isPoolWorker(): boolean {
  return process.env[WORKER_ENV] === '1' && typeof process.send === 'function';
}

/** A child's environment: the parent's, EA_WORKER=1, and one TensorFlow thread unless set. */
export function workerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    [WORKER_ENV]: '1',
    TF_NUM_INTRAOP_THREADS: base.TF_NUM_INTRAOP_THREADS ?? '1',
    TF_NUM_INTEROP_THREADS: base.TF_NUM_INTEROP_THREADS ?? '1',
  };
}

/** A cell named by experiment and key (the parent has the full cell). */
export interface CellRef {
  experiment: string;
  key: string;
}

/** A run event as sent over the channel: `cell` replaced by a reference. */
export type WireEvent =
  | { type: 'cell-start'; cell: CellRef; position: number; of: number }
  | { type: 'resumed'; cell: CellRef; step: number }
  | { type: 'checkpoint'; cell: CellRef; step: number }
  | { type: 'step'; cell: CellRef; step: number; maxSteps: number; loss: number }
  | { type: 'eval'; cell: CellRef; eval: Extract<RunEvent, { type: 'eval' }>['eval'] }
  | { type: 'cell-done'; cell: CellRef; record: ResultRecord; path: string }
  | { type: 'cell-failed'; cell: CellRef; error: string }
  | { type: 'fallback'; cells: CellRef[]; error: string }
  | { type: 'stopped'; cell: CellRef | undefined };

/** Worker → parent: listening for stop requests; a progress event; its summaries at the end. */
export type WorkerMessage = { type: 'ready' } | { type: 'event'; event: WireEvent } | { type: 'summary'; summaries: RunSummary[] };
/** Parent → worker: stop after checkpointing the cells in progress, or exit at once. */
export type ParentMessage = { type: 'stop' } | { type: 'exit' };

const ref = (cell: Cell): CellRef => ({ experiment: cell.experiment, key: cell.key });

/**
 * In a worker: a `RunOptions.onEvent` that sends events to the parent. 'plan' and 'problem' events are
 * not sent (the parent plans the whole run itself); 'step' events at most every `stepEveryMs` per cell.
 */
export function workerEventSink(send: (message: WorkerMessage) => void, stepEveryMs = 250): (event: RunEvent) => void {
  const lastStep = new Map<string, number>();
  return (event) => {
    let wire: WireEvent;
    switch (event.type) {
      case 'plan':
      case 'problem':
        return;
      case 'step': {
        const now = performance.now();
        const key = `${event.cell.experiment}/${event.cell.key}`;
        if (now - (lastStep.get(key) ?? -Infinity) < stepEveryMs && event.step < event.maxSteps) return;
        lastStep.set(key, now);
        wire = { ...event, cell: ref(event.cell) };
        break;
      }
      case 'fallback':
        wire = { ...event, cells: event.cells.map(ref) };
        break;
      case 'stopped':
        wire = { type: 'stopped', cell: event.cell ? ref(event.cell) : undefined };
        break;
      default:
        wire = { ...event, cell: ref(event.cell) } as WireEvent;
    }
    send({ type: 'event', event: wire });
  };
}

/** Turns a wire event back into a run event with the parent's cells; undefined if a cell is unknown. */
export function fromWire(event: WireEvent, cellOf: (r: CellRef) => Cell | undefined): RunEvent | undefined {
  switch (event.type) {
    case 'fallback': {
      const cells = event.cells.map(cellOf);
      return cells.every((c) => c) ? { ...event, cells: cells as Cell[] } : undefined;
    }
    case 'stopped':
      if (!event.cell) return { type: 'stopped', cell: undefined };
      break;
  }
  const cell = cellOf(event.cell as CellRef);
  return cell ? ({ ...event, cell } as RunEvent) : undefined;
}

/** How one worker ended. */
export interface WorkerExit {
  /** 1-based. */
  worker: number;
  shard: Shard;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Its summaries (one per experiment it ran), if it got as far as sending them. */
  summaries?: RunSummary[];
  /** Ended by `stop()` while it was still starting (before it could train anything). */
  stoppedWhileStarting?: boolean;
}

export interface WorkerPoolOptions {
  /** Number of worker processes. */
  workers: number;
  /** The node arguments that start the command (e.g. ['--import', tsx, 'lib/cli.ts'] or ['dist/cli.js']). */
  entry: string[];
  /** The command's arguments, without --shard (each worker gets its own). */
  args: string[];
  /** The user's share (default 1/1). */
  shard?: Shard;
  /** Default process.cwd(). */
  cwd?: string;
  /** Base environment (default process.env; see `workerEnv`). */
  env?: NodeJS.ProcessEnv;
  /** Each event a worker sends. */
  onEvent(event: WireEvent, worker: number): void;
  /** Each line a worker writes to stdout or stderr (warnings, errors). */
  onLine(line: string, worker: number): void;
}

export interface WorkerPool {
  /** Resolves when every worker has exited. */
  done: Promise<WorkerExit[]>;
  /** Asks every worker to stop after checkpointing its cells in progress (what Ctrl-C does in one process). */
  stop(): void;
  /** Ends every worker at once (SIGKILL); finished cells and the last checkpoints stay written. */
  kill(): void;
}

function send(child: ChildProcess, m: ParentMessage): void {
  if (child.connected) child.send(m, () => {}); // errors: the child is gone, which is what a stop wants
}

/** Starts the workers; see the file comment. */
export function runWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const children: ChildProcess[] = [];
  const ready: boolean[] = [];
  const records: WorkerExit[] = [];
  const exits: Promise<WorkerExit>[] = [];
  let stopping = false;
  for (let i = 1; i <= options.workers; i++) {
    const shard = workerShard(i, options.workers, options.shard);
    const child = spawn(process.execPath, [...options.entry, ...options.args, '--shard', `${shard.k}/${shard.n}`], {
      cwd: options.cwd ?? process.cwd(), env: workerEnv(options.env), stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    children.push(child);
    ready.push(false);
    const exit: WorkerExit = { worker: i, shard, code: null, signal: null };
    records.push(exit);
    child.on('message', (m: WorkerMessage) => {
      if (m?.type === 'event') options.onEvent(m.event, i);
      else if (m?.type === 'summary') exit.summaries = m.summaries;
      else if (m?.type === 'ready') ready[i - 1] = true;
    });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.on('data', (d: Buffer) => {
        pending += d.toString();
        const lines = pending.split('\n');
        pending = lines.pop() as string;
        for (const line of lines) if (line.trim()) options.onLine(line, i);
      });
      stream?.on('end', () => { if (pending.trim()) options.onLine(pending, i); pending = ''; });
    }
    exits.push(new Promise((resolve) => {
      child.on('error', (err) => { options.onLine(`could not start: ${err.message}`, i); });
      child.on('close', (code, signal) => { exit.code = code; exit.signal = signal; resolve(exit); });
    }));
  }
  return {
    done: Promise.all(exits),
    stop: () => {
      if (stopping) return;
      stopping = true;
      children.forEach((c, k) => {
        if (ready[k]) send(c, { type: 'stop' });
        else if (c.exitCode === null && c.signalCode === null) {
          // Still starting (loading modules, nothing trained yet): nothing to save, so no need to wait for it.
          records[k].stoppedWhileStarting = true;
          c.kill('SIGTERM');
        }
      });
    },
    kill: () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); },
  };
}

/**
 * In a worker: stop requests from the parent (and this process's own SIGINT or SIGTERM, e.g. the
 * terminal's Ctrl-C, which reaches the whole process group, or a batch system ending the job) abort
 * `controller`; 'exit' ends the process at once;
 * losing the parent aborts too. Tells the parent it is listening ('ready'). Returns `send`, and `close`,
 * which sends a last message, detaches and lets the process end.
 */
export function attachToParent(controller: AbortController): { send(message: WorkerMessage): void; close(last?: WorkerMessage): Promise<void> } {
  const onMessage = (m: ParentMessage): void => {
    if (m?.type === 'exit') process.exit(130);
    if (m?.type === 'stop') controller.abort();
  };
  const onSignal = (): void => { controller.abort(); }; // repeated Ctrl-C: the parent decides (it sends 'exit')
  const onDisconnect = (): void => { controller.abort(); };
  process.on('message', onMessage);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('disconnect', onDisconnect);
  const send = (message: WorkerMessage): void => {
    if (process.connected && process.send) process.send(message, undefined, {}, () => {});
  };
  send({ type: 'ready' });
  return {
    send,
    close: async (last) => {
      process.off('disconnect', onDisconnect);
      if (last && process.connected && process.send) {
        await new Promise<void>((resolve) => { (process.send as NonNullable<typeof process.send>)(last, undefined, {}, () => resolve()); });
      }
      process.off('message', onMessage);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (process.connected) process.disconnect();
    },
  };
}
