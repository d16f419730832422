/** Ctrl-C, SIGTERM and --stop-after while `ea run` or `ea reproduce` trains. */
import { formatEta } from '../lab/progress.js';
import type { CliIO } from './args.js';

/**
 * Ctrl-C or SIGTERM: the first stops the run after the cells in progress are checkpointed (finished
 * cells are on disk; `stop` passes it on to worker processes); a second Ctrl-C exits at once (`kill`
 * ends the workers first, losing their training since the last checkpoint). `stopAfterMs` (--stop-after)
 * stops the same way once that much time has passed; `byTime()` then says so.
 */
export function interruptible(io: CliIO, stopAfterMs: number | undefined, workers?: { stop(): void; kill(): void }):
  { signal: AbortSignal; byTime(): boolean; release(): void } {
  const controller = new AbortController();
  let byTime = false;
  const stop = (why: string): void => {
    io.stderr.write(`\n${why}: stopping after checkpointing the cells in progress (finished cells are saved)\n`);
    controller.abort();
    workers?.stop();
  };
  const onSigint = (): void => {
    if (!controller.signal.aborted) return stop('Ctrl-C (press it again to exit at once)');
    io.stderr.write('\nsecond Ctrl-C: exiting now\n');
    workers?.kill();
    process.exit(130);
  };
  const onSigterm = (): void => { if (!controller.signal.aborted) stop('SIGTERM'); };
  const timer = stopAfterMs === undefined ? undefined : setTimeout(() => {
    if (controller.signal.aborted) return;
    byTime = true;
    stop(`--stop-after ${formatEta(stopAfterMs)} reached`);
  }, stopAfterMs);
  timer?.unref();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return {
    signal: controller.signal,
    byTime: () => byTime,
    release: () => {
      clearTimeout(timer);
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}

