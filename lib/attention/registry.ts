/**
 * Attention rules by name. Adding a rule: one file exporting it, one line here.
 *
 * ```ts
 * const rule = attentionRule('expressive');            // or 'cog', 'dot-product', ...
 * const alpha = rule.weights(scores, causalMask(T));    // [..., T, T]
 * ```
 */
import type { AttentionRule, AttentionRuleOptions } from './rule.js';
import { cog } from './cog.js';
import { dotProduct } from './dot-product.js';
import { expressive } from './expressive.js';
import { expressiveRatio } from './expressive-ratio.js';
import { expressiveSoftmax } from './expressive-softmax.js';
import { signedExpressive } from './signed-expressive.js';

const FACTORIES: Record<string, (options: AttentionRuleOptions) => AttentionRule> = {
  'dot-product': () => dotProduct,
  expressive,
  cog: () => cog,
  'expressive-softmax': expressiveSoftmax,
  'expressive-ratio': expressiveRatio,
  'signed-expressive': signedExpressive,
};

/** Names of all registered rules, in a stable order. */
export const ATTENTION_RULES: readonly string[] = Object.freeze(Object.keys(FACTORIES));

/** The rule called `name`; an unknown name is an error that lists the known ones. */
export function attentionRule(name: string, options: AttentionRuleOptions = {}): AttentionRule {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!factory) {
    throw new Error(`unknown attention rule '${name}'; known rules: ${ATTENTION_RULES.join(', ')}`);
  }
  return factory(options);
}
