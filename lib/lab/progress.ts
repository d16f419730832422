/**
 * Progress output for `ea run` / `ea reproduce`, fed with the runner's events.
 *
 * On a terminal: one line redrawn in place (at most 5 times a second) —
 *   ea-single [███████░░░░░░░░░░░░░] 35%  9/24 cells  ETA 4m12s  mechanism=expressive,N=16,seed=1  step 420/2000 (cell 1m05s)  acc 0.81
 * Otherwise (a log file, CI): one plain line per finished cell, plus a heartbeat line every
 * `heartbeatMs` during a long cell. A cell resumed from its checkpoint gets a line saying so, and
 * 'resumed' beside its step.
 *
 * The ETAs count every cell at its full step budget (a cell that stops early at 100 % or at a plateau
 * makes the estimate drop), at the time per step measured in this run (steps trained before a resume
 * count as done, not as measured): overall from all cells, per cell from that cell (with batched seeds,
 * the time per step of the whole stack).
 */
import type { RunEvent } from './runner.js';
import type { Cell } from './types.js';

export interface ProgressOptions {
  /** Where to write. Default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Force the terminal (true) or plain (false) style. Default: the stream's isTTY. */
  tty?: boolean;
  /** Plain style: a heartbeat line at most this often during a cell. Default 30 000 ms. */
  heartbeatMs?: number;
  /** Prefix of every line (e.g. '[2/3] '). Default ''. */
  prefix?: string;
}

export function formatEta(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** What `progressReporter` returns. */
export interface ProgressReporter {
  /** The listener for `RunOptions.onEvent`. */
  onEvent(event: RunEvent): void;
  /** Prints a line of other output (e.g. a worker's warning) without breaking the progress bar. */
  note(text: string): void;
  /** Finishes the progress line; call it at the end. */
  done(): void;
}

/** A listener for `RunOptions.onEvent` that prints progress; call `done()` at the end to finish the line. */
export function progressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const prefix = options.prefix ?? '';
  let experiment = '';
  let cells = 0;
  let doneCells = 0;
  let budget = 0;
  let doneBudget = 0;
  let started = 0;
  /** Steps trained in this run (not those before a resume), over all cells. */
  let trained = 0;
  /** Cells in progress (several when seeds are batched) → completed steps; `from` and `since`: where and when this run took it up. */
  const active = new Map<string, { cell: Cell; step: number; maxSteps: number; accuracy?: number; from: number; since: number; resumed: boolean }>();
  let current: Cell | undefined;
  let lastDraw = 0;
  let lastBeat = 0;
  let drawn = false;

  const activeSteps = (): number => [...active.values()].reduce((n, a) => n + a.step, 0);
  const eta = (): string => {
    if (trained <= 0) return '?';
    return formatEta(((performance.now() - started) / trained) * Math.max(0, budget - doneBudget - activeSteps()));
  };
  const cellEta = (a: { step: number; maxSteps: number; from: number; since: number }): string =>
    a.step > a.from ? formatEta(((performance.now() - a.since) / (a.step - a.from)) * (a.maxSteps - a.step)) : '?';
  const fraction = (): number => (budget > 0 ? Math.min(1, (doneBudget + activeSteps()) / budget) : 1);
  const line = (text: string): void => {
    if (tty && drawn) stream.write('\r\x1b[K');
    drawn = false;
    stream.write(`${prefix}${text}\n`);
  };
  const draw = (force = false): void => {
    const now = performance.now();
    if (!tty || (!force && now - lastDraw < 200)) return;
    lastDraw = now;
    const width = 20;
    const filled = Math.round(fraction() * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const a = current ? active.get(current.key) : undefined;
    const others = active.size > 1 ? ` (+${active.size - 1} batched)` : '';
    const cell = a ? `  ${a.cell.key}${others}  step ${a.step}/${a.maxSteps}${a.resumed ? ' resumed' : ''} (cell ${cellEta(a)})` +
      `${a.accuracy !== undefined ? `  acc ${a.accuracy.toFixed(2)}` : ''}` : '';
    let text = `${prefix}${experiment} [${bar}] ${Math.round(fraction() * 100)}%  ${doneCells}/${cells} cells  ETA ${eta()}${cell}`;
    const columns = stream.columns ?? 120;
    if (text.length > columns - 1) text = `${text.slice(0, columns - 2)}…`;
    stream.write(`\r\x1b[K${text}`);
    drawn = true;
  };

  const finish = (cell: Cell): void => {
    active.delete(cell.key);
    if (current?.key === cell.key) current = active.values().next().value?.cell;
  };

  return {
    onEvent(event: RunEvent): void {
      switch (event.type) {
        case 'plan':
          experiment = event.experiment;
          cells = event.todo.length;
          doneCells = 0;
          budget = event.budgetSteps;
          doneBudget = 0;
          trained = 0;
          started = performance.now();
          line(`${event.experiment} (${event.scale}): ${event.cells} cells, ${event.skipped} already done, ${event.todo.length} to run → ${event.dir}`);
          break;
        case 'problem':
          line(`warning: ${event.problem.path}: ${event.problem.error}`);
          break;
        case 'cell-start':
          if (active.size === 0) current = event.cell;
          active.set(event.cell.key, {
            cell: event.cell, step: 0, maxSteps: event.cell.spec.trainer.steps ?? 1000, from: 0, since: performance.now(), resumed: false,
          });
          lastBeat = performance.now();
          draw(true);
          break;
        case 'resumed': {
          const a = active.get(event.cell.key);
          if (a) Object.assign(a, { step: event.step, from: event.step, since: performance.now(), resumed: true });
          line(`${experiment}: ${event.cell.key} resumed from its checkpoint at step ${event.step}/${event.cell.spec.trainer.steps ?? 1000}`);
          draw(true);
          break;
        }
        case 'checkpoint':
          break;
        case 'step': {
          const a = active.get(event.cell.key);
          if (a) {
            trained += Math.max(0, event.step - a.step);
            a.step = event.step;
          }
          if (tty) draw();
          else if (performance.now() - lastBeat >= heartbeatMs) {
            lastBeat = performance.now();
            line(`${experiment}: ${doneCells}/${cells} cells, ${event.cell.key} step ${event.step}/${event.maxSteps}${a?.resumed ? ' (resumed)' : ''} ` +
              `loss ${event.loss.toFixed(4)}, cell ETA ${a ? cellEta(a) : '?'}, ETA ${eta()}`);
          }
          break;
        }
        case 'eval': {
          const a = active.get(event.cell.key);
          if (a) a.accuracy = event.eval.accuracy;
          break;
        }
        case 'cell-done': {
          doneCells++;
          doneBudget += event.cell.spec.trainer.steps ?? 1000;
          finish(event.cell);
          const r = event.record;
          line(`${experiment}: ${doneCells}/${cells} ${r.key}: accuracy ${r.finalAccuracy.toFixed(4)} (best ${r.bestAccuracy.toFixed(4)}), ` +
            `${r.steps} steps (${r.stopReason}), ${formatEta(r.wallTimeMs)}; ETA ${eta()}`);
          draw(true);
          break;
        }
        case 'cell-failed':
          doneCells++;
          doneBudget += event.cell.spec.trainer.steps ?? 1000;
          finish(event.cell);
          line(`${experiment}: ${doneCells}/${cells} ${event.cell.key} FAILED: ${event.error}`);
          break;
        case 'fallback':
          for (const cell of event.cells) {
            const a = active.get(cell.key);
            if (a) Object.assign(a, { step: 0, from: 0, since: performance.now() });
          }
          line(`warning: ${event.cells.length} cells could not be trained together (${event.error}); training them one at a time`);
          draw(true);
          break;
        case 'stopped': {
          const a = event.cell ? active.get(event.cell.key) : undefined;
          if (event.cell) finish(event.cell);
          line(`${experiment}: stopped${event.cell ? ` (cell ${event.cell.key} checkpointed${a ? ` at step ${a.step}` : ''}; the next run resumes it)` : ''}; ` +
            `${doneCells} finished cells are saved`);
          break;
        }
      }
    },
    note(text: string): void {
      line(text);
      draw(true);
    },
    done(): void {
      if (tty && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
