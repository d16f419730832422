/**
 * A character-level language-model task over a real English text (for the COG paper's "small LM,
 * softmax vs Cog" comparison at toy scale).
 *
 *   corpus   'devils-dictionary' (bundled: Ambrose Bierce, The Devil's Dictionary, 1911, public domain,
 *            383 KB; source and licence in data/corpus/README.md), another file path, or an inline `text`
 *   split    by position: the last `validationFraction` (default 10 %) of the text is held out
 *   vocab    id 0 = <unk>, then every character seen ≥ `minCount` times in the TRAINING part, sorted by
 *            code point (deterministic); rarer characters (and ones only in the held-out part) → <unk>
 *   train    each row a window of T + 1 characters at a uniformly random start in the training part
 *            (inputs the first T, targets the next-character shift); every position scored
 *   eval     `evalSize` windows at evenly spaced starts over the held-out part (no randomness)
 *
 * Worked example (tested): text "abcabcab" … with minCount 1 the vocabulary is <unk> a b c (ids 0..3);
 * "cab" encodes to 3 1 2, and a window "abca" gives inputs a b c, targets b c a.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../util/rng.js';
import type { BatchData } from '../train/data.js';
import {
  COMMON_KEYS, TaskBase, checkKnownKeys, intParam, numberParam, resolveCommon,
  type RowView, type TaskConfigBase, type TaskExample,
} from './task.js';

/** Bundled corpora: name → file under data/corpus/. */
export const CORPORA: Readonly<Record<string, string>> = Object.freeze({ 'devils-dictionary': 'devils-dictionary.txt' });

/** The file of a bundled corpus (the package's data/corpus/, found relative to this module in lib/ or dist/). */
export function corpusPath(name: string): string {
  const file = CORPORA[name];
  if (!file) throw new Error(`unknown corpus '${name}'; bundled corpora: ${Object.keys(CORPORA).join(', ')}`);
  return fileURLToPath(new URL(`../../data/corpus/${file}`, import.meta.url));
}

const cache = new Map<string, string>();

/** The text of a bundled corpus name or a UTF-8 file path (read once, then cached). */
export function loadCorpus(nameOrPath: string): string {
  const path = CORPORA[nameOrPath] ? corpusPath(nameOrPath) : nameOrPath;
  let text = cache.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`corpus '${nameOrPath}': cannot read ${path} (${(err as Error).message}); bundled corpora: ${Object.keys(CORPORA).join(', ')}`);
    }
    cache.set(path, text);
  }
  return text;
}

/** FNV-1a over the UTF-16 code units, as 8 hex digits: detects a changed corpus. */
export function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Characters ↔ ids: 0 = <unk>, then the kept characters sorted by code point. */
export class CharVocabulary {
  static readonly UNK = 0;
  /** chars[id − 1] is the character of id (id 0 is <unk>). */
  readonly chars: string[];
  private readonly ids: Map<string, number>;

  constructor(chars: readonly string[]) {
    this.chars = [...chars];
    this.ids = new Map(this.chars.map((c, i) => [c, i + 1]));
  }

  /** Every character occurring at least `minCount` times in `text` (code points, sorted). */
  static fromText(text: string, minCount = 1): CharVocabulary {
    const counts = new Map<string, number>();
    for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    const kept = [...counts].filter(([, n]) => n >= minCount).map(([c]) => c);
    return new CharVocabulary(kept.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  get size(): number { return this.chars.length + 1; }

  encode(text: string): Int32Array {
    return Int32Array.from(Array.from(text, (c) => this.ids.get(c) ?? CharVocabulary.UNK));
  }

  /** The text of `ids`; <unk> becomes `unk` (default U+FFFD). */
  decode(ids: ArrayLike<number>, unk = '\ufffd'): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += ids[i] === CharVocabulary.UNK ? unk : this.chars[ids[i] - 1] ?? unk;
    return s;
  }
}

export interface TextArgs {
  /** A bundled corpus name ('devils-dictionary') or a UTF-8 file path. Ignored with `text`. Default 'devils-dictionary'. */
  corpus?: string;
  /** The text itself (then the config records it, so keep it small). Default: read `corpus`. */
  text?: string;
  /** When given, the text's hash must equal it (a task's config carries it, so a changed corpus is refused). */
  textHash?: string;
  /** Characters seen fewer times than this in the training part map to <unk>. Integer ≥ 1. Default 5. */
  minCount?: number;
  /** Fraction of the text, at its end, held out for evaluation. In (0, 1). Default 0.1. */
  validationFraction?: number;
  /** Characters per row T. Integer ≥ 1. Default 64. */
  contextLength?: number;
  /** Rows per training batch. Default 32. */
  batchSize?: number;
  /** Held-out windows. Default min(512, non-overlapping windows the held-out part holds). */
  evalSize?: number;
  /** Rows per evaluation batch. Default min(evalSize, max(batchSize, 128)). */
  evalBatchSize?: number;
  /** Seed of the training windows. Default 0. */
  seed?: number;
}

export interface TextConfig extends TaskConfigBase {
  kind: 'text';
  corpus: string;
  text?: string;
  textHash: string;
  minCount: number;
  validationFraction: number;
}

const KEYS = [...COMMON_KEYS, 'corpus', 'text', 'textHash', 'minCount', 'validationFraction'];

export class TextTask extends TaskBase<TextConfig> {
  readonly name = 'text';
  readonly vocabSize: number;
  readonly labelNames = ['char'];
  readonly vocabulary: CharVocabulary;
  /** The whole text encoded; [0, split) is the training part, [split, end) the held-out part. */
  readonly ids: Int32Array;
  readonly split: number;
  private evalWindows?: BatchData[];

  constructor(args: TextArgs = {}) {
    checkKnownKeys('text', args, KEYS);
    const inline = args.text !== undefined;
    if (inline && typeof args.text !== 'string') throw new Error(`text must be a string; got ${typeof args.text}`);
    const corpus = inline ? 'inline' : args.corpus ?? 'devils-dictionary';
    if (typeof corpus !== 'string' || corpus === '') throw new Error(`corpus must be a corpus name (${Object.keys(CORPORA).join(', ')}) or a file path; got ${JSON.stringify(corpus)}`);
    const text = inline ? args.text as string : loadCorpus(corpus);
    const hash = textHash(text);
    if (args.textHash !== undefined && args.textHash !== hash) {
      throw new Error(`textHash: the text of corpus '${corpus}' has hash ${hash}, not ${args.textHash} (the corpus changed)`);
    }
    const minCount = intParam('minCount', args.minCount ?? 5, 1);
    const validationFraction = numberParam('validationFraction', args.validationFraction ?? 0.1, 0, 1);
    const contextLength = intParam('contextLength', args.contextLength ?? 64, 1);
    const chars = Array.from(text);
    const split = Math.round(chars.length * (1 - validationFraction));
    if (split < contextLength + 1 || chars.length - split < contextLength + 1) {
      throw new Error(`contextLength (${contextLength}) needs windows of ${contextLength + 1} characters, but the text (${chars.length} characters) ` +
        `splits into ${split} for training and ${chars.length - split} held out (validationFraction ${validationFraction}); use a longer text or a shorter contextLength`);
    }
    const available = Math.floor((chars.length - split - 1) / contextLength);
    const common = resolveCommon({ ...args, evalSize: args.evalSize ?? Math.min(512, available) });
    super({
      kind: 'text', corpus, ...(inline ? { text } : {}), textHash: hash, minCount, validationFraction, contextLength, ...common,
    });
    this.vocabulary = CharVocabulary.fromText(chars.slice(0, split).join(''), minCount);
    this.vocabSize = this.vocabulary.size;
    this.ids = this.vocabulary.encode(text);
    this.split = split;
  }

  describe(): string {
    const c = this.config;
    return `text '${c.corpus}' (${this.ids.length} chars, ${this.vocabSize} tokens incl. <unk>), last ${c.validationFraction * 100} % held out, T=${c.contextLength}`;
  }

  tokenName(id: number): string {
    if (id === CharVocabulary.UNK) return '<unk>';
    const c = this.vocabulary.chars[id - 1];
    return c === '\n' ? '⏎' : c === ' ' ? '␣' : c === '\t' ? '⇥' : c ?? `?${id}`;
  }

  encode(text: string): Int32Array { return this.vocabulary.encode(text); }
  decode(ids: ArrayLike<number>): string { return this.vocabulary.decode(ids); }

  private fillWindow(start: number, row: RowView): void {
    const T = this.contextLength;
    row.inputs.set(this.ids.subarray(start, start + T));
    row.targets.set(this.ids.subarray(start + 1, start + T + 1));
    row.scored.fill(1);
    row.labels.fill(0);
  }

  protected fillRow(rng: Rng, row: RowView): void {
    this.fillWindow(rng.int(this.split - this.contextLength), row); // start + T ≤ split − 1: the last target stays in the training part
  }

  /** Start (in `ids`) of held-out window k of `evalSize`, evenly spaced over the held-out part. */
  evalStart(k: number): number {
    const last = this.ids.length - this.contextLength - 1; // last possible start
    const n = this.config.evalSize;
    return this.split + (n === 1 ? 0 : Math.round((k * (last - this.split)) / (n - 1)));
  }

  /** None yet: the held-out end of the corpus is the validation split (an empty list: no test split). */
  override testBatches(): BatchData[] {
    return [];
  }

  override evalBatches(): BatchData[] {
    if (!this.evalWindows) {
      const { evalSize, evalBatchSize } = this.config;
      const T = this.contextLength;
      this.evalWindows = [];
      for (let done = 0; done < evalSize; done += evalBatchSize) {
        const rows = Math.min(evalBatchSize, evalSize - done);
        const batch = {
          batchSize: rows, length: T, inputs: new Int32Array(rows * T), targets: new Int32Array(rows * T),
          scored: new Uint8Array(rows * T), labels: new Int32Array(rows * T),
        };
        for (let r = 0; r < rows; r++) {
          const [a, b] = [r * T, (r + 1) * T];
          this.fillWindow(this.evalStart(done + r), {
            inputs: batch.inputs.subarray(a, b), targets: batch.targets.subarray(a, b),
            scored: batch.scored.subarray(a, b), labels: batch.labels.subarray(a, b),
          });
        }
        this.evalWindows.push(batch);
      }
    }
    return this.evalWindows;
  }

  example(): TaskExample {
    const s = this.ids.subarray(this.evalStart(0), this.evalStart(0) + this.contextLength + 1);
    return {
      tokens: Array.from(s, (id) => this.tokenName(id)),
      roles: Array.from(s, (_, j) => (j === 0 ? '-' : 's')),
      legend: { '-': 'first character (no prediction)', s: 'predicted from the characters before it (scored)' },
    };
  }
}
