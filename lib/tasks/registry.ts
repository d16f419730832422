/**
 * Builds any task from a plain, JSON-able spec: `{ kind, ...that task's Args }`.
 *
 * ```ts
 * const task = createTask({ kind: 'ladder', N: 16, a: 1, b: 4, contextLength: 32, seed: 1 });
 * const again = createTask(task.config);      // every task's config is a spec of the same task
 * TASK_KINDS;                                 // ['ladder', 'iarc', 'signed-combination', ...]
 * ```
 */
import { CollapseTask, type CollapseArgs } from './collapse.js';
import { DeleteRepeatedTask, type DeleteRepeatedArgs } from './delete-repeated.js';
import { IarcTask, type IarcArgs } from './iarc.js';
import { LadderTask, type LadderArgs } from './ladder.js';
import { SignedCombinationTask, type SignedCombinationArgs } from './signed-combination.js';
import type { Task } from './task.js';
import { TextTask, type TextArgs } from './text.js';

export type TaskSpec =
  | ({ kind: 'ladder' } & LadderArgs)
  | ({ kind: 'iarc' } & IarcArgs)
  | ({ kind: 'signed-combination' } & SignedCombinationArgs)
  | ({ kind: 'delete-repeated' } & DeleteRepeatedArgs)
  | ({ kind: 'collapse' } & CollapseArgs)
  | ({ kind: 'text' } & TextArgs);

export type TaskKind = TaskSpec['kind'];

export const TASK_KINDS: readonly TaskKind[] = Object.freeze(
  ['ladder', 'iarc', 'signed-combination', 'delete-repeated', 'collapse', 'text'] as const);

/** What each kind is, one line each (for `ea list` and notebooks). */
export const TASK_DESCRIPTIONS: Readonly<Record<TaskKind, string>> = Object.freeze({
  ladder: 'complexity ladder x_t = (x_{t−a} + x_{t−b}) mod N, optionally multi-task (EA paper; reconstruction)',
  iarc: 'IARC task-switching stream: increment, addition, reverse copy, context (TS paper; rules reconstructed)',
  'signed-combination': 'y_t = x_{t−a} − x_{t−b}: one head needs a negative weight (COG; our toy)',
  'delete-repeated': 'a set, then all but one of it again: answer the one not repeated (COG; our toy)',
  collapse: "'count the ones' / 'find a zero' training families for the collapse probes (COG; our toy)",
  text: 'character-level language model on a public-domain English text',
});

/** A new task of `spec.kind`; the other fields are that task's `...Args`. */
export function createTask(spec: TaskSpec): Task {
  if (typeof spec !== 'object' || spec === null) {
    throw new Error(`task spec must be an object with a kind (${TASK_KINDS.join(', ')}); got ${JSON.stringify(spec)}`);
  }
  const { kind, ...args } = spec;
  switch (kind) {
    case 'ladder': return new LadderTask(args as LadderArgs);
    case 'iarc': return new IarcTask(args as IarcArgs);
    case 'signed-combination': return new SignedCombinationTask(args as SignedCombinationArgs);
    case 'delete-repeated': return new DeleteRepeatedTask(args as DeleteRepeatedArgs);
    case 'collapse': return new CollapseTask(args as CollapseArgs);
    case 'text': return new TextTask(args as TextArgs);
    default:
      throw new Error(`unknown task kind ${JSON.stringify(kind)}; known kinds: ${TASK_KINDS.join(', ')}`);
  }
}
