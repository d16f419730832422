/**
 * expressive-attention: attention rules (dot-product, expressive, Cog, ablations), sequence models
 * (transformer / cisformer, LSTM, MLP) and a trainer, on TensorFlow.js; the lab that runs grids of
 * them and judges claims; the three papers' experiments, analyses and figures.
 *
 * ```ts
 * import * as ea from 'expressive-attention';
 * await ea.initBackend();
 * const model = new ea.Transformer({ vocabSize: 20, contextLength: 32, attention: 'expressive' });
 * ```
 *
 * Everything is exported flat (`ea.train`, `ea.loadExperimentResults`, `ea.eaClaims`, …); the map of
 * the folders is in README.md.
 */
// utilities and the backend
export * from './backend.js';
export * from './util/rng.js';
export * from './util/atomic-write.js';
export * from './util/stable-json.js';
export * from './util/checks.js';
export * from './util/parallelism.js';
// attention rules
export * from './attention/rule.js';
export * from './attention/registry.js';
export { expressiveScore } from './attention/expressive.js';
// models
export * from './models/model.js';
export * from './models/params.js';
export * from './models/layers.js';
export * from './models/attention-layer.js';
export * from './models/transformer.js';
export * from './models/lstm.js';
export * from './models/mlp.js';
export * from './models/registry.js';
// training
export * from './train/types.js';
export * from './train/data.js';
export * from './train/loss.js';
export * from './train/adamw.js';
export * from './train/schedule.js';
export * from './train/checkpoint.js';
export * from './train/trainer.js';
export * from './train/plateau.js';
export * from './train/batched.js';
// tasks
export * from './tasks/task.js';
export * from './tasks/ladder.js';
export * from './tasks/ladder-shortcuts.js';
export * from './tasks/iarc.js';
export * from './tasks/signed-combination.js';
export * from './tasks/delete-repeated.js';
export * from './tasks/collapse.js';
export * from './tasks/text.js';
export * from './tasks/registry.js';
// the lab: grids, runner, records, results, statistics, verdicts
export * from './lab/types.js';
export * from './lab/experiments.js';
export * from './lab/grid.js';
export * from './lab/tasks.js';
export * from './lab/record.js';
export * from './lab/store.js';
export * from './lab/measures.js';
export * from './lab/runner.js';
export * from './lab/progress.js';
export * from './lab/results.js';
export * from './lab/completeness.js';
export * from './lab/statistics.js';
export * from './lab/verdicts.js';
export * from './lab/protocol.js';
export * from './lab/plateau-audit.js';
export * from './lab/attention-maps.js';
export * from './lab/toy.js';
// plots and notebooks (Plotly figures, display, live training; cache-or-compute, EA_SCALE)
export * from './plots/index.js';
export * from './notebook/scale.js';
export * from './notebook/data.js';
// benchmark
export * from './bench/index.js';
// the papers: every experiment registered by name, then each paper's grids, analysis, verdicts, figures
export * from './papers/registry.js';
export { EA_EXPERIMENTS, EA_MECHANISMS, EA_RULE_SETS } from './papers/ea/grids.js';
export * from './papers/ea/analysis.js';
export * from './papers/ea/verdicts.js';
export * from './papers/ea/partial-solutions.js';
export * from './papers/ea/cost.js';
export * from './papers/ea/figures.js';
export {
  TS_EXPERIMENTS, TS_ARCHITECTURES, TS_MECHANISMS, TS_ABLATIONS, TS_LEARNING_RATES, TS_ABLATION_ARCHITECTURES, TS_BUDGET_FACTOR,
  TS_BUDGET_MODELS, TS_BEST_KEPT_SEED, TS_CONVERGENCE_READINGS, TS_GROUP_STEPS, TS_READINGS,
} from './papers/ts/grids.js';
export * from './papers/ts/analysis.js';
export * from './papers/ts/verdicts.js';
export * from './papers/ts/report.js';
export { COG_EXPERIMENTS, COG_SIGNED_SWEEP, lmAttention } from './papers/cog/grids.js';
export * from './papers/cog/analysis.js';
export * from './papers/cog/signed-head.js';
export * from './papers/cog/verdicts.js';
export * from './papers/cog/collapse-sweep.js';
export * from './papers/cog/collapse-figures.js';
export * from './papers/cog/lm-figures.js';
