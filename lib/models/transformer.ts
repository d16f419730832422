/**
 * A decoder-only transformer (pre-LayerNorm, GPT style) whose attention rule is chosen per layer by
 * name, and its non-translation-invariant counterpart, the cisformer (`cis: true`).
 *
 *   h⁰ = one_hot(x)·E + P[:T]                       [B, T, d]   (P learned, sinusoidal, or omitted with positional: 'none')
 *   for each layer l:
 *     h = h + Attention_l(LN(h))                     rule_l ∈ registry ('dot-product', 'expressive', 'cog', ...)
 *     h = h + W₂·act(W₁·LN(h) + b₁) + b₂
 *   logits = LN(h)·W_head + b_head                   [B, T, V]
 *
 * Cisformer (reconstruction, see shared/papers.md): the query/key/value projection — and with
 * `cisFeedForward` also the feed-forward — has separate weights for each absolute position of the
 * window, so the same token at different positions is processed differently.
 *
 * ```ts
 * const model = new Transformer({ vocabSize: 20, contextLength: 32, width: 64, heads: 2,
 *                                 attention: 'expressive', cis: true });
 * const params = initParams(model, 0);
 * const { logits } = model.apply(params, tokens);   // tokens [B, ≤32] int32 → [B, T, 20]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionRule } from '../attention/registry.js';
import type { AttentionRule, AttentionRuleOptions, ScoreScale } from '../attention/rule.js';
import { CausalMaskCache, scaleFactor } from '../attention/rule.js';
import { attentionLayer } from './attention-layer.js';
import type { ApplyOptions, ModelOutput, ParamMap, ParamSpec, QueryKey, SequenceModel } from './model.js';
import { checkTokens } from './model.js';
import type { Activation } from './layers.js';
import { ACTIVATIONS, activate, applyLayerNorm, applyLinear, embed, layerNormSpecs, linearSpecs, sinusoidalPositions } from './layers.js';
import { requirePositiveInt } from '../util/checks.js';

export interface TransformerArgs {
  /** Number of token types V (tokens are 0..V−1). Required. */
  vocabSize: number;
  /** Longest sequence T the model reads; the cisformer has weights for each of these positions. Required. */
  contextLength: number;
  /** Model width d. Default 64. */
  width?: number;
  /** Number of layers. Default 2. */
  layers?: number;
  /** Attention heads per layer; must divide `width`. Default 2. */
  heads?: number;
  /** Hidden width of the feed-forward block. Default 4 · width. */
  ffWidth?: number;
  /**
   * Whether each layer has its feed-forward block (LayerNorm, two linear maps). false gives an
   * attention-only transformer: what a head writes reaches the output head through the residual stream
   * and the final LayerNorm only (e.g. to test what one head can compute by itself). Default true.
   */
  feedForward?: boolean;
  /**
   * Attention rule by registry name, for every layer, or an array with one name per layer (e.g. Cog's
   * reference setup: softmax in the first and last layer, 'cog' between). Default 'dot-product'.
   */
  attention?: string | string[];
  /** Scaling of q·k: 'rule-default' uses each rule's own (1/√d_head for dot-product and cog, none for expressive). Default 'rule-default'. */
  scoreScale?: ScoreScale | 'rule-default';
  /** Options passed to the rules (temperature, epsilon). Default {}. */
  attentionOptions?: AttentionRuleOptions;
  /**
   * Position information added to the token embedding: 'learned' (a trained vector per position),
   * 'sinusoidal' (the fixed table of Vaswani et al., `sinusoidalPositions`; no parameters), or 'none'
   * (none except causality — a causal transformer is then translation invariant — and cis weights).
   * Default 'learned'.
   */
  positional?: Positional;
  /** Cisformer: per-position query/key/value weights. Default false. */
  cis?: boolean;
  /** With `cis`, per-position feed-forward weights too. Default false. */
  cisFeedForward?: boolean;
  /** Feed-forward nonlinearity: 'relu' or 'gelu' (tanh form). Default 'relu'. */
  activation?: Activation;
  /** Standard deviation of the normal initialisation of matrices and embeddings. Default 0.02. */
  initStd?: number;
}

/** How position information enters the transformer (see TransformerArgs.positional). */
export const POSITIONALS = ['learned', 'sinusoidal', 'none'] as const;
export type Positional = (typeof POSITIONALS)[number];

export type TransformerConfig = Required<Omit<TransformerArgs, 'attention'>> & { attention: string[] };

export function resolveTransformerArgs(args: TransformerArgs): TransformerConfig {
  const vocabSize = requirePositiveInt('vocabSize', args.vocabSize);
  const contextLength = requirePositiveInt('contextLength', args.contextLength);
  const width = requirePositiveInt('width', args.width ?? 64);
  const layers = requirePositiveInt('layers', args.layers ?? 2);
  const heads = requirePositiveInt('heads', args.heads ?? 2);
  if (width % heads !== 0) {
    throw new Error(`heads must divide width; got width ${width} and heads ${heads} (try heads in ${divisors(width).join(', ')})`);
  }
  const ffWidth = requirePositiveInt('ffWidth', args.ffWidth ?? 4 * width);
  const names = args.attention ?? 'dot-product';
  const attention = typeof names === 'string' ? Array(layers).fill(names) : [...names];
  if (attention.length !== layers) {
    throw new Error(`attention must be one rule name or one per layer (${layers}); got ${attention.length} names`);
  }
  for (const n of attention) attentionRule(n, args.attentionOptions); // validates names and options
  const scoreScale = args.scoreScale ?? 'rule-default';
  if (scoreScale !== 'rule-default') scaleFactor(scoreScale, 1); // validates
  const positional = args.positional ?? 'learned';
  if (!POSITIONALS.includes(positional)) {
    throw new Error(`positional must be one of ${POSITIONALS.map((p) => `'${p}'`).join(', ')}; got ${JSON.stringify(positional)}`);
  }
  const activation = args.activation ?? 'relu';
  if (!ACTIVATIONS.includes(activation)) {
    throw new Error(`activation must be one of ${ACTIVATIONS.join(', ')}; got ${JSON.stringify(activation)}`);
  }
  const initStd = args.initStd ?? 0.02;
  if (!(initStd > 0) || !Number.isFinite(initStd)) throw new Error(`initStd must be a positive finite number; got ${initStd}`);
  const cis = args.cis ?? false;
  const cisFeedForward = args.cisFeedForward ?? false;
  const feedForward = args.feedForward ?? true;
  for (const [name, value] of [['cis', cis], ['cisFeedForward', cisFeedForward], ['feedForward', feedForward]] as const) {
    if (typeof value !== 'boolean') throw new Error(`${name} must be true or false; got ${JSON.stringify(value)}`);
  }
  if (cisFeedForward && !cis) throw new Error('cisFeedForward: true needs cis: true (per-position feed-forward is a cisformer option)');
  if (cisFeedForward && !feedForward) throw new Error('cisFeedForward: true needs feedForward: true (there is no feed-forward block to make per-position)');
  return {
    vocabSize, contextLength, width, layers, heads, ffWidth, feedForward, attention, scoreScale,
    attentionOptions: { ...args.attentionOptions }, positional, cis, cisFeedForward, activation, initStd,
  };
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((k) => n % k === 0);
}

export class Transformer implements SequenceModel {
  readonly kind = 'transformer' as const;
  readonly config: Readonly<TransformerConfig>;
  readonly parameters: readonly ParamSpec[];
  private readonly rules: AttentionRule[];
  private readonly scales: number[];
  private readonly masks = new CausalMaskCache();

  constructor(args: TransformerArgs) {
    const c = (this.config = Object.freeze(resolveTransformerArgs(args)));
    const dHead = c.width / c.heads;
    this.rules = c.attention.map((n) => attentionRule(n, c.attentionOptions));
    this.scales = this.rules.map((r) => scaleFactor(c.scoreScale === 'rule-default' ? r.defaultScale : c.scoreScale, dHead));
    const T = c.contextLength;
    const specs: ParamSpec[] = [
      { name: 'embedding.weight', shape: [c.vocabSize, c.width], init: { kind: 'normal', std: c.initStd }, decay: true },
    ];
    if (c.positional === 'learned') {
      specs.push({ name: 'position.weight', shape: [T, c.width], init: { kind: 'normal', std: c.initStd }, decay: true });
    }
    for (let l = 0; l < c.layers; l++) {
      const p = `layers.${l}`;
      specs.push(
        ...layerNormSpecs(`${p}.norm1`, c.width),
        ...linearSpecs(`${p}.attention.qkv`, c.width, 3 * c.width, c.initStd, c.cis ? T : undefined),
        ...linearSpecs(`${p}.attention.out`, c.width, c.width, c.initStd),
      );
      if (!c.feedForward) continue;
      specs.push(
        ...layerNormSpecs(`${p}.norm2`, c.width),
        ...linearSpecs(`${p}.ff.in`, c.width, c.ffWidth, c.initStd, c.cisFeedForward ? T : undefined),
        ...linearSpecs(`${p}.ff.out`, c.ffWidth, c.width, c.initStd, c.cisFeedForward ? T : undefined),
      );
    }
    specs.push(...layerNormSpecs('norm', c.width), ...linearSpecs('head', c.width, c.vocabSize, c.initStd));
    this.parameters = Object.freeze(specs);
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get contextLength(): number { return this.config.contextLength; }


  apply(params: ParamMap, tokens: tf.Tensor2D, options: ApplyOptions = {}): ModelOutput {
    checkTokens(tokens, this.contextLength);
    const c = this.config;
    const [, T] = tokens.shape;
    let h = embed(tokens, params['embedding.weight']); // [B, T, d]
    if (c.positional === 'learned') {
      const pos = params['position.weight']; // [T₀, d]
      h = tf.add(h, T === c.contextLength ? pos : tf.slice(pos, [0, 0], [T, c.width])); // [B, T, d]
    } else if (c.positional === 'sinusoidal') {
      h = tf.add(h, tf.tensor2d(sinusoidalPositions(T, c.width), [T, c.width])); // [B, T, d]
    }
    const attention: tf.Tensor4D[] = [];
    const queryKey: QueryKey[] = [];
    for (let l = 0; l < c.layers; l++) {
      const p = `layers.${l}`;
      const a = attentionLayer(params, `${p}.attention`, applyLayerNorm(params, `${p}.norm1`, h) as tf.Tensor3D,
        c.heads, this.rules[l], this.scales[l], this.masks.get(T));
      h = tf.add(h, a.output); // [B, T, d]
      if (options.returnAttention) attention.push(a.weights); // [B, H, T, T]
      if (options.returnQueryKey) {
        const B = tokens.shape[0];
        const dHead = c.width / c.heads;
        queryKey.push({
          queries: tf.reshape(a.queries, [B, c.heads, T, dHead]), // [B, H, T, dh]
          keys: tf.reshape(a.keys, [B, c.heads, T, dHead]), // [B, H, T, dh]
          scores: tf.reshape(a.scores, [B, c.heads, T, T]), // [B, H, T, T]
        });
      }
      if (!c.feedForward) continue;
      const hidden = activate(applyLinear(params, `${p}.ff.in`, applyLayerNorm(params, `${p}.norm2`, h) as tf.Tensor3D), c.activation); // [B, T, f]
      h = tf.add(h, applyLinear(params, `${p}.ff.out`, hidden as tf.Tensor3D)); // [B, T, d]
    }
    const final = applyLayerNorm(params, 'norm', h) as tf.Tensor3D; // [B, T, d]: what the head reads
    const logits = applyLinear(params, 'head', final); // [B, T, V]
    return {
      logits, ...(options.returnAttention ? { attention } : {}), ...(options.returnHidden ? { hidden: final } : {}),
      ...(options.returnQueryKey ? { queryKey } : {}),
    };
  }

  dispose(): void {
    this.masks.dispose();
  }
}
