/**
 * The trainer's vocabulary, shared by the loop (`trainer.ts`), the lanes it runs on (`lanes.ts`) and
 * checkpoints (`checkpoint.ts`): arguments, events, results, why a run ended.
 */
import type { ParamMap } from '../models/model.js';
import type { PlateauArgs, PlateauConfig } from './plateau.js';
import type { DecayKind } from './schedule.js';

/** One evaluation of the eval set. */
export interface EvalRecord {
  /** Completed optimizer steps when it ran. */
  step: number;
  /** Mean cross-entropy over the scored eval positions. */
  loss: number;
  /** Argmax accuracy over the scored eval positions. */
  accuracy: number;
  /** Accuracy per label name (labels that occur among scored positions). */
  perLabel: Record<string, number>;
}

/** A point of the compact loss curve: mean training loss over the `every` steps ending at `step`. */
export interface LossPoint {
  step: number;
  loss: number;
}

/** Why a run ended: its steps were used up, 100 % accuracy, a plateau (`plateau`), or stop()/its signal. */
export type StopReason = 'steps' | 'perfect' | 'plateau' | 'stopped';

export interface StepEvent {
  /** Completed optimizer steps (1 after the first update). */
  step: number;
  /** Training loss of this step's batch (before the update). */
  loss: number;
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Ends the run after this step (stop reason 'stopped'; it is checkpointed, then evaluated once more). */
  stop(): void;
}

export interface EvalEvent extends EvalRecord {
  /** Best eval accuracy so far, this one included. */
  bestAccuracy: number;
  stop(): void;
}

export interface CheckpointEvent {
  step: number;
  path: string;
}

/** Hooks for progress bars, live plots and stopping. Each may be async; the trainer awaits it. */
export interface TrainerCallbacks {
  onStep?(event: StepEvent): void | Promise<void>;
  onEval?(event: EvalEvent): void | Promise<void>;
  onCheckpoint?(event: CheckpointEvent): void | Promise<void>;
}

export interface TrainerArgs {
  /** Number of optimizer steps (the schedule spans them). Default 1000. */
  steps?: number;
  /** Peak learning rate. Default 3e-4. */
  learningRate?: number;
  /** Steps of linear warm-up. Default min(100, ⌊steps/10⌋). */
  warmupSteps?: number;
  /** Decay after the warm-up: 'cosine', 'linear' or 'constant'. Default 'cosine'. */
  decay?: DecayKind;
  /** Learning rate at the end of the decay. Default learningRate / 10. */
  minLearningRate?: number;
  /** AdamW decoupled weight decay (matrices and embeddings only, see ParamSpec.decay). Default 0.01 (PyTorch's). */
  weightDecay?: number;
  /** AdamW β₁. Default 0.9. */
  beta1?: number;
  /** AdamW β₂. Default 0.999. */
  beta2?: number;
  /** AdamW ε. Default 1e-8. */
  epsilon?: number;
  /** Clip the global gradient norm to this (as torch.nn.utils.clip_grad_norm_); 0 = off. Default 1.0. */
  clipNorm?: number;
  /** Evaluate every this many steps (and after the last). Default 100. */
  evalEvery?: number;
  /** Stop as soon as an evaluation scores every scored position correctly (100 %). Default true. */
  earlyStopAtPerfect?: boolean;
  /**
   * Stop when held-out accuracy has not improved by more than `minDelta` over the last `window`
   * evaluations (stop reason 'plateau'; see plateau.ts for the rule and its defaults). Default off.
   */
  plateau?: PlateauArgs | null;
  /** Seed of the parameter initialisation. Default 0. (The data source has its own seed.) */
  seed?: number;
  /** Where to write checkpoints (atomically). Default none. */
  checkpointPath?: string;
  /** With checkpointPath: checkpoint every this many steps, and at the end. Default evalEvery. */
  checkpointEvery?: number;
  /**
   * With checkpointPath: also checkpoint once this many milliseconds of training have passed since the
   * last checkpoint (or the start). 0 = never by time. Default 0.
   */
  checkpointEveryMs?: number;
  /** Stored as it is in every checkpoint (`Checkpoint.tag`), e.g. what made it. Default none. */
  checkpointTag?: Record<string, unknown>;
  /** A checkpoint to continue from (often the same file as checkpointPath). Default none. */
  resumeFrom?: string;
  /**
   * The final checkpoint of a run that a stop rule ended (the plateau stop), to continue the *same*
   * trajectory under these arguments' stop rules: they may differ from the checkpoint's in `plateau`
   * only (every argument that shapes the trajectory must be equal), and the run goes on as if that stop
   * had not fired. Not with resumeFrom. Default none.
   */
  continueFrom?: string;
  /** Points on the loss curve: the mean training loss of each block of this many steps. Default ⌈steps/1000⌉. */
  curveEvery?: number;
  /** Progress and stop hooks. */
  callbacks?: TrainerCallbacks;
  /** Stops the run when aborted (e.g. from a SIGINT handler), like `stop()` in a callback. */
  signal?: AbortSignal;
  /**
   * 'eager' runs each step as tfjs ops; 'graph' (tfjs-node only) records the first step and runs the
   * later ones as one TensorFlow graph each (lib/train/graph/; the same numbers within the bound stated
   * in docs/graph-engine.md). On wasm and cpu 'graph' falls back to 'eager' with a message. 'auto' is 'graph' on
   * tfjs-node and 'eager' elsewhere. Default 'auto'.
   */
  engine?: Engine;
}

export const ENGINES = ['auto', 'eager', 'graph'] as const;

export type Engine = (typeof ENGINES)[number];

/** The engine that actually ran a run's steps. */
export type EngineUsed = Exclude<Engine, 'auto'>;

type Optional = 'checkpointPath' | 'resumeFrom' | 'continueFrom' | 'callbacks' | 'signal' | 'checkpointTag';

export type TrainerConfig = Required<Omit<TrainerArgs, Optional | 'plateau'>> & Pick<TrainerArgs, Optional> & { plateau: PlateauConfig | null };

export interface TrainResult {
  /** Completed optimizer steps (counting those before a resume). */
  steps: number;
  stopReason: StopReason;
  /** Last evaluation (made at the final step). */
  finalAccuracy: number;
  finalEvalLoss: number;
  /** Accuracy per label at the last evaluation. */
  perLabel: Record<string, number>;
  bestAccuracy: number;
  /** Step of the first evaluation that reached bestAccuracy. */
  bestStep: number;
  /** Every evaluation, in order. */
  evals: EvalRecord[];
  /** Mean training loss per block of `curveEvery` steps (the last block may be shorter). */
  lossCurve: LossPoint[];
  /** Training wall time in ms (including the time before a resume). */
  wallTimeMs: number;
  /** The trained parameters (tf.Variables); the caller owns them: `disposeParams(result.params)`. */
  params: ParamMap;
  /** The step a resume (or a continuation) started from, if any. */
  resumedFrom?: number;
  /** The engine that ran the steps ('graph' when a step was recorded and run as a graph). */
  engine: EngineUsed;
  /** Replicas in the stack this run started in (1: alone; `trainBatched` stacks several). */
  lanes: number;
}
