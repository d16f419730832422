/**
 * Rules registered at run time (`registerAttentionRule`, for trying a new rule in a notebook): found by
 * name everywhere (rule lookup, transformer, experiment runner), listed in errors, never shadowing a
 * library rule, bad registrations rejected with a message naming what is wrong.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { ATTENTION_RULES, attentionRule, attentionRuleNames, registerAttentionRule } from '../lib/attention/registry.js';
import type { AttentionRule, AttentionRuleOptions } from '../lib/attention/rule.js';
import { normaliseRows } from '../lib/attention/rule.js';
import { loadResults } from '../lib/lab/results.js';
import { runExperiment } from '../lib/lab/runner.js';
import { toyExperiment } from '../lib/lab/toy.js';
import { Transformer } from '../lib/models/transformer.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { assertClose, testBackends, values } from './helpers.js';

/** A rule that is none of the library's: α ∝ s⁴/(1+s⁴), masked keys 0. */
function quartic(options: AttentionRuleOptions = {}): AttentionRule {
  return {
    name: 'test-quartic', formula: 'α ∝ s⁴/(1+s⁴)', defaultScale: 'none', signed: false,
    weights: (scores, mask) => tf.tidy(() => {
      const s4 = tf.pow(tf.mul(scores, mask.keep), 4);
      return normaliseRows(tf.mul(tf.div(s4, tf.add(s4, 1)), mask.keep), options.epsilon ?? 1e-12);
    }),
  };
}

const backend = (await testBackends())[0];
const root = mkdtempSync(join(tmpdir(), 'ea-register-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe(`registerAttentionRule on ${backend}`, () => {
  before(async () => {
    await initBackend(backend);
    registerAttentionRule('test-quartic', quartic);
  });

  it('is found by name, listed by attentionRuleNames, and not among the library rules', () => {
    assert.equal(attentionRule('test-quartic').name, 'test-quartic');
    assert.deepEqual(attentionRuleNames(), [...ATTENTION_RULES, 'test-quartic']);
    assert.ok(!ATTENTION_RULES.includes('test-quartic'));
    assert.throws(() => attentionRule('no-such-rule'), (err: Error) => err.message.includes('test-quartic') && err.message.includes('dot-product'));
  });

  it('gives the hand-computed weights inside a model layer: scores (1, 2) → e = (1/2, 16/17)', () => {
    const scores = tf.tensor2d([[1, 0], [1, 2]]); // row 0 sees key 0 only
    const keep = tf.tensor2d([[1, 0], [1, 1]]);
    const w = attentionRule('test-quartic').weights(scores, { keep, bias: tf.zeros([2, 2]) as tf.Tensor2D });
    const e1 = 1 / 2, e2 = 16 / 17;
    assertClose(values(w), [1, 0, e1 / (e1 + e2), e2 / (e1 + e2)], 'weights', 1e-6, 1e-7);
    tf.dispose([scores, keep, w]);
    const model = new Transformer({ vocabSize: 5, contextLength: 4, width: 8, layers: 1, heads: 2, ffWidth: 16, attention: 'test-quartic' });
    const params = initParams(model, 0);
    const tokens = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
    const { attention, logits } = model.apply(params, tokens, { returnAttention: true });
    // [1, H, T, T]: the rule's weights — non-negative, rows sum to at most 1 (less by ε = 1e-12 against the
    // tiny s⁴ of an initial model), keys after the query exactly 0.
    const rows = values(attention![0]);
    assert.equal(rows.length, 2 * 4 * 4);
    for (let r = 0; r < 2 * 4; r++) {
      const row = rows.slice(r * 4, r * 4 + 4);
      const sum = row.reduce((a, b) => a + b, 0);
      assert.ok(row.every((w) => w >= 0) && sum > 0.5 && sum <= 1 + 1e-6, `row ${r}: ${row}`);
      for (let j = (r % 4) + 1; j < 4; j++) assert.equal(row[j], 0);
    }
    tf.dispose([tokens, logits, ...attention!]);
    disposeParams(params);
    model.dispose();
  });

  it('trains through the experiment runner, seed-batched, and its records load', async () => {
    // Filed as a study of one's own: data/study/<name>/<scale>.
    const experiment = toyExperiment({ name: 'register', paper: 'study', mechanisms: ['test-quartic'], seeds: 2 });
    const summary = await runExperiment(experiment, { scale: 'smoke', out: root });
    assert.equal(summary.dir, join(root, 'study', 'register', 'smoke'));
    assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
    assert.equal(summary.ran, 2);
    const loaded = loadResults(summary.dir, { quiet: true });
    assert.equal(loaded.records.length, 2);
    assert.ok(loaded.records.every((record) => record.spec.model.kind === 'transformer' && record.spec.model.attention === 'test-quartic'));
    assert.ok(loaded.records.every((record) => Number.isFinite(record.finalAccuracy) && record.paper === 'study'));
  });

  it('re-registering replaces the rule (a notebook cell run twice)', () => {
    registerAttentionRule('test-quartic', (o) => ({ ...quartic(o), formula: 'second definition' }));
    assert.equal(attentionRule('test-quartic').formula, 'second definition');
    registerAttentionRule('test-quartic', quartic);
  });

  it('bad registrations are rejected with a message naming the problem', () => {
    const cases: [string, unknown, RegExp][] = [
      ['expressive', quartic, /'expressive' is a library rule and cannot be replaced/],
      ['', quartic, /name must start with a letter or digit/],
      ['has space', quartic, /name must start with a letter or digit/],
      ['a/b', quartic, /name must start with a letter or digit/],
      ['ok-name', 'not a function', /factory must be a function/],
      ['ok-name', quartic, /must return a rule with weights\(scores, mask\) and name 'ok-name'; got name "test-quartic"/],
      ['ok-name', () => ({ name: 'ok-name', weights: () => tf.scalar(0) }), /needs 'formula' \(a string\) and 'signed' \(a boolean\)/],
    ];
    for (const [name, factory, message] of cases) {
      assert.throws(() => registerAttentionRule(name, factory as (o: AttentionRuleOptions) => AttentionRule), message, name);
    }
    assert.ok(!attentionRuleNames().includes('ok-name'));
  });
});
