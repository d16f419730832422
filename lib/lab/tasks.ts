/**
 * Task specs as the experiments use them: plain JSON `{ kind, ...args }`, turned into a `DataSource`
 * by `createTaskSource` — every kind of the task registry (`lib/tasks/registry.ts`), plus 'toy', the
 * trainer's two-rule `ToySource` (for tests, demos and the template experiment).
 */
import { createTask, TASK_KINDS, type TaskSpec as RegistryTaskSpec } from '../tasks/registry.js';
import { ToySource, type DataSource, type ToySourceArgs } from '../train/data.js';

/** A registry task spec, or the toy source's. */
export type ExperimentTaskSpec = RegistryTaskSpec | ({ kind: 'toy' } & ToySourceArgs);

/** Task kinds the experiments can use. */
export const EXPERIMENT_TASK_KINDS: readonly string[] = Object.freeze([...TASK_KINDS, 'toy']);

/** A data source with a name and a way to describe itself (what the runner needs of a task). */
export type TaskSource = DataSource & { describe?(): string };

export function createTaskSource(spec: ExperimentTaskSpec): TaskSource {
  if (typeof spec === 'object' && spec !== null && spec.kind === 'toy') {
    const { kind: _kind, ...args } = spec;
    return new ToySource(args);
  }
  const kind = typeof spec === 'object' && spec !== null ? (spec as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !EXPERIMENT_TASK_KINDS.includes(kind)) {
    throw new Error(`unknown task kind ${JSON.stringify(kind)}; known kinds: ${EXPERIMENT_TASK_KINDS.join(', ')}`);
  }
  return createTask(spec as RegistryTaskSpec);
}
