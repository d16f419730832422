/**
 * Attention rules by name. Adding a rule to the library: one file exporting it, one line here (and a
 * PyTorch fixture, which the parity test asks for). Trying a rule out first, e.g. in a notebook:
 * `registerAttentionRule` adds it for the running process, so models, tasks and the experiment runner
 * can use it by name at once (notebooks/04-new-study.ipynb does this).
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

/** Names of the library's rules, in a stable order (rules added by `registerAttentionRule` are not among them). */
export const ATTENTION_RULES: readonly string[] = Object.freeze(Object.keys(FACTORIES));

/** Rules added at run time by `registerAttentionRule`, by name. */
const ADDED = new Map<string, (options: AttentionRuleOptions) => AttentionRule>();

/** Every rule `attentionRule` knows now: the library's, then those registered at run time. */
export function attentionRuleNames(): string[] {
  return [...ATTENTION_RULES, ...ADDED.keys()];
}

/** The rule called `name`; an unknown name is an error that lists the known ones. */
export function attentionRule(name: string, options: AttentionRuleOptions = {}): AttentionRule {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : ADDED.get(name);
  if (!factory) {
    throw new Error(`unknown attention rule '${name}'; known rules: ${attentionRuleNames().join(', ')}`);
  }
  return factory(options);
}

/** Names usable in result file names (cell keys): letters, digits, '.', '_', '+', '-'. */
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * Adds a rule for this process under `name` (registering the same name again replaces it, so a notebook
 * cell can be re-run). The factory is called once here to check that it returns a rule of that name.
 *
 * Results of the experiment runner are identified by the rule's *name*, not its code: give a changed
 * rule a new name (or rerun its cells), else earlier results are reused. Worker processes
 * (`ea run --workers`) do not see rules registered here; run such experiments in this process.
 */
export function registerAttentionRule(name: string, factory: (options: AttentionRuleOptions) => AttentionRule): void {
  if (typeof name !== 'string' || !RULE_NAME.test(name)) {
    throw new Error(`registerAttentionRule: name must start with a letter or digit and use only letters, digits, '.', '_', '+', '-'; got ${JSON.stringify(name)}`);
  }
  if (Object.hasOwn(FACTORIES, name)) {
    throw new Error(`registerAttentionRule: '${name}' is a library rule and cannot be replaced; library rules: ${ATTENTION_RULES.join(', ')}`);
  }
  if (typeof factory !== 'function') throw new Error(`registerAttentionRule('${name}'): factory must be a function (options) => AttentionRule`);
  const rule = factory({});
  if (!rule || typeof rule.weights !== 'function' || rule.name !== name) {
    throw new Error(`registerAttentionRule('${name}'): the factory must return a rule with weights(scores, mask) and name '${name}'; got name ${JSON.stringify(rule?.name)}`);
  }
  if (typeof rule.signed !== 'boolean' || typeof rule.formula !== 'string') {
    throw new Error(`registerAttentionRule('${name}'): the rule needs 'formula' (a string) and 'signed' (a boolean)`);
  }
  ADDED.set(name, factory);
}
