/**
 * The text task: the bundled corpus (size, source and licence noted, hash), the deterministic character
 * vocabulary with <unk>, the worked example, the split by position (training windows from the first
 * 90 %, held-out windows from the last 10 %), clear errors, and a short training run that beats the
 * unigram baseline.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { CharVocabulary, TextTask, corpusPath, loadCorpus, textHash, type TextArgs } from '../lib/tasks/text.js';
import { trainSanity } from './tasks-helpers.js';

test('the bundled corpus: ≥ 100 KB of English, source and licence in data/corpus/README.md', () => {
  const path = corpusPath('devils-dictionary');
  assert.ok(statSync(path).size >= 100_000, `${path} is ${statSync(path).size} bytes`);
  const text = loadCorpus('devils-dictionary');
  assert.match(text, /THE DEVIL'S DICTIONARY/);
  assert.match(text, /ZOOLOGY, n\./);
  const readme = readFileSync(new URL('../data/corpus/README.md', import.meta.url), 'utf8');
  assert.match(readme, /devils-dictionary\.txt/);
  assert.match(readme, /[Pp]ublic domain/);
  assert.match(readme, /dict-devil/);
  const task = new TextTask({ contextLength: 32 });
  assert.equal(task.config.textHash, textHash(text));
  assert.equal(task.config.corpus, 'devils-dictionary');
  assert.equal(task.config.text, undefined, 'a named corpus is not copied into the config');
});

test('worked example: vocabulary <unk> a b c, encoding, one window', () => {
  const task = new TextTask({ text: 'abcabcabcabcabcabcab', minCount: 1, contextLength: 3, validationFraction: 0.25 });
  assert.deepEqual(task.vocabulary.chars, ['a', 'b', 'c']);
  assert.equal(task.vocabSize, 4);
  assert.deepEqual([...task.encode('cab')], [3, 1, 2]);
  assert.equal(task.decode([3, 1, 2, 0]), 'cab\ufffd');
  assert.equal(task.split, 15);
  const ev = task.evalBatches();
  assert.equal(ev.reduce((n, b) => n + b.batchSize, 0), 1, 'the held-out 5 characters hold one non-overlapping window of 4');
  assert.equal(task.decode(ev[0].inputs), 'abc', 'held out: characters 15.. = "abcab"');
  assert.equal(task.decode(ev[0].targets), 'bca');
  assert.equal(task.evalStart(0), 15);
});

test('vocabulary: sorted by code point, <unk> for rare and unseen characters, deterministic', () => {
  const v = CharVocabulary.fromText('zz aa\nbb é', 2);
  assert.deepEqual(v.chars, [' ', 'a', 'b', 'z'], 'newline and é occur once: <unk>');
  assert.deepEqual([...v.encode('a\nq')], [2, 0, 0]);
  const task = new TextTask({ contextLength: 32 });
  const chars = task.vocabulary.chars;
  assert.deepEqual(chars, [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  assert.ok(chars.includes('\n') && chars.includes(' ') && chars.includes('e'));
  assert.ok(!chars.includes('@'), "'@' occurs once: <unk> at minCount 5");
  assert.equal(task.tokenName(0), '<unk>');
  assert.equal(task.tokenName(1 + chars.indexOf(' ')), '␣');
  assert.deepEqual(new TextTask({ contextLength: 32 }).vocabulary.chars, chars, 'the same every time');
});

test('split by position: training windows from the first 90 %, held-out windows from the last 10 %', () => {
  const task = new TextTask({ contextLength: 48, batchSize: 16, evalSize: 40 });
  const text = loadCorpus('devils-dictionary');
  const train = text.slice(0, task.split);
  const heldOut = text.slice(task.split);
  assert.equal(task.split, Math.round(text.length * 0.9));
  const T = 48;
  for (const step of [0, 1, 999]) {
    const b = task.trainBatch(step);
    for (let r = 0; r < 16; r++) {
      const window = task.decode([...b.inputs.subarray(r * T, (r + 1) * T), b.targets[(r + 1) * T - 1]]);
      assert.ok(!window.includes('\ufffd') ? train.includes(window) : true, `training window ${JSON.stringify(window)} is in the training part`);
      assert.ok(b.scored.every((s) => s === 1));
      for (let t = 0; t + 1 < T; t++) assert.equal(b.targets[r * T + t], b.inputs[r * T + t + 1]);
    }
  }
  const ev = task.evalBatches();
  assert.equal(ev.reduce((n, b) => n + b.batchSize, 0), 40);
  for (let k = 0; k < 40; k++) {
    const start = task.evalStart(k);
    assert.ok(start >= task.split && start + T < text.length);
    const b = ev[Math.floor(k / task.config.evalBatchSize)];
    const r = k % task.config.evalBatchSize;
    assert.deepEqual([...b.inputs.subarray(r * T, (r + 1) * T)], [...task.ids.subarray(start, start + T)]);
  }
  assert.ok(heldOut.includes(task.decode(ev[0].inputs.subarray(0, T))));
  assert.equal(task.evalStart(39), text.length - T - 1, 'the windows reach the end of the text');
  // Default evalSize: min(512, non-overlapping held-out windows).
  assert.equal(new TextTask({ contextLength: 64 }).config.evalSize, 512);
  assert.equal(new TextTask({ contextLength: 256 }).config.evalSize, Math.floor((text.length - task.split - 1) / 256));
});

test('impossible parameters: clear errors naming the parameter', () => {
  const bad: [TextArgs, RegExp][] = [
    [{ corpus: 'moby-dick' }, /corpus 'moby-dick': cannot read moby-dick .*bundled corpora: devils-dictionary/],
    [{ corpus: '' }, /corpus must be a corpus name \(devils-dictionary\) or a file path; got ""/],
    [{ text: 'abcdefgh', contextLength: 4 }, /contextLength \(4\) needs windows of 5 characters, but the text \(8 characters\) splits into 7 for training and 1 held out/],
    [{ validationFraction: 1 }, /validationFraction must be a number in \(0, 1\); got 1/],
    [{ minCount: 0 }, /minCount must be an integer ≥ 1; got 0/],
    [{ textHash: 'deadbeef' }, /textHash: the text of corpus 'devils-dictionary' has hash [0-9a-f]{8}, not deadbeef \(the corpus changed\)/],
    [{ path: 'x' } as TextArgs, /unknown text parameter 'path'/],
  ];
  for (const [args, message] of bad) assert.throws(() => new TextTask(args), message, JSON.stringify(args));
});

test('training sanity (tensorflow): a tiny transformer beats the unigram baseline on held-out text', async (t) => {
  const task = new TextTask({ contextLength: 16, batchSize: 32, evalSize: 64 });
  // Cross-entropy (nats) of the best context-free prediction: the unigram distribution of the training part.
  const counts = new Map<number, number>();
  for (const id of task.ids.subarray(0, task.split)) counts.set(id, (counts.get(id) ?? 0) + 1);
  const unigram = -[...counts.values()].reduce((h, c) => h + (c / task.split) * Math.log(c / task.split), 0);
  await trainSanity(t, task, { steps: 200 }, (r) => {
    t.diagnostic(`unigram entropy ${unigram.toFixed(3)} nats`);
    assert.ok(r.finalEvalLoss < unigram - 0.2, `held-out loss ${r.finalEvalLoss} vs unigram entropy ${unigram.toFixed(3)} nats`);
  });
});
