/** The `ea` command's options, the parsers of their values, and the usage error (exit code 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BACKENDS, type BackendName } from '../backend.js';
import { STOP_REASONS } from '../lab/runner.js';
import { ENGINES, type Engine, type StopReason } from '../train/types.js';
import { SCALES, type Scale } from '../lab/types.js';

export class UsageError extends Error {}

export const COMMANDS = ['list', 'run', 'reproduce', 'bench', 'help'] as const;

export const RUN_OPTIONS = {
  scale: { type: 'string', default: 'quick' },
  seeds: { type: 'string' },
  only: { type: 'string', multiple: true },
  shard: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  rerun: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  workers: { type: 'string' },
  'batch-seeds': { type: 'string' },
  steps: { type: 'string' },
  'budget-factor': { type: 'string' },
  'no-plateau': { type: 'boolean', default: false },
  engine: { type: 'string' },
  xla: { type: 'boolean', default: false },
  'only-stopped': { type: 'string' },
  continue: { type: 'boolean', default: false },
  'stop-after': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Exit code of a run stopped by --stop-after (EX_TEMPFAIL of sysexits.h: "try again later"). */
export const EXIT_STOPPED_BY_TIME = 75;

// --only, --no-plateau, --only-stopped and --continue choose cells of one grid; reproduce runs many.
const { only: _only, 'no-plateau': _noPlateau, 'only-stopped': _onlyStopped, continue: _continue, ...REPRODUCE_OPTIONS } = RUN_OPTIONS;
export { REPRODUCE_OPTIONS };

export const LIST_OPTIONS = {
  paper: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends ParseArgsConfig['options']>(command: string, args: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const known = Object.entries(options ?? {}).map(([k, o]) => `--${k}${(o as { type: string }).type === 'string' ? ' <value>' : ''}`);
    const message = err instanceof Error ? err.message.split('\n')[0].replace(/\. To specify a positional.*$/, '') : String(err);
    throw new UsageError(`ea ${command}: ${message}. Allowed options: ${known.join(', ')}`);
  }
}

export function scaleOf(text: string): Scale {
  if (!(SCALES as readonly string[]).includes(text)) throw new UsageError(`--scale must be one of ${SCALES.join(', ')}; got '${text}'`);
  return text as Scale;
}

export function backendOf(text: string | undefined): BackendName | undefined {
  if (text === undefined) return undefined;
  if (!(BACKENDS as readonly string[]).includes(text)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}; got '${text}'`);
  return text as BackendName;
}

export function positiveOf(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new UsageError(`--${option} must be a positive integer; got '${text}'`);
  return n;
}

export function engineOf(text: string | undefined): Engine | undefined {
  if (text === undefined) return undefined;
  if (!(ENGINES as readonly string[]).includes(text)) throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}; got '${text}'`);
  return text as Engine;
}

export function stopReasonOf(text: string | undefined): StopReason | undefined {
  if (text === undefined) return undefined;
  if (!(STOP_REASONS as readonly string[]).includes(text)) throw new UsageError(`--only-stopped must be one of ${STOP_REASONS.join(', ')}; got '${text}'`);
  return text as StopReason;
}

export function numberOf(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (text.trim() === '' || !(x > 0) || !Number.isFinite(x)) throw new UsageError(`--${option} must be a positive number; got '${text}'`);
  return x;
}

/** '2h30m', '90m', '45s', '1h', '1.5h' → milliseconds; '0' → 0 where zero is allowed. */
export function parseDuration(option: string, text: string, allowZero = false): number {
  if (allowZero && /^0+$/.test(text)) return 0;
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  const ms = m ? (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000 : NaN;
  if (!m || text === '' || !(ms > 0)) {
    throw new UsageError(`--${option} takes a duration such as 2h30m, 90m or 45s${allowZero ? ' (or 0)' : ''}; got '${text}'`);
  }
  return ms;
}

export function durationOf(option: string, text: string | undefined, allowZero = false): number | undefined {
  return text === undefined ? undefined : parseDuration(option, text, allowZero);
}

/** Where the command writes (injectable for tests). */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function say(stream: NodeJS.WritableStream, text: string): number {
  stream.write(`${text}\n`);
  return 0;
}
