/**
 * Pre-registered protocols: for each paper, `protocols/<paper>.json` states each claim's test,
 * margin, family, seeds, budget and stopping rule before the runs it governs. The verdict code reads
 * its numbers from here, never from constants of its own. A protocol changed after data exist keeps
 * its history: versions are appended, never edited, each amendment says what it amends and why, and a
 * notebook shows the verdicts under the original and the amended version.
 *
 * ```ts
 * const p = loadProtocol('ea');            // every version, checked
 * const v = protocolVersion(p);            // the current one (or protocolVersion(p, 1))
 * v.claims['at-least-as-good'].margin      // 0.02
 * ```
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CORRECTIONS, INTERVAL_METHODS, type Correction, type IntervalMethod } from './statistics.js';

/** How the intervals and families of a version are made. */
export interface ProtocolStatistics {
  level: number;
  interval: IntervalMethod;
  resamples: number;
  /** 'pairs': pooled (rung, seed) pairs as if independent (the earlier rule); 'clusters': one mean per cluster. */
  pooling: 'pairs' | 'clusters';
  /** The cluster of a pooled claim, e.g. 'rung'. */
  cluster?: string;
  correction: Correction;
  /** Significance level of the tests (family-wise under Holm, false discovery rate under BH). */
  alpha: number;
  /** The result column a verdict reads: 'finalAccuracy' (the validation split, as training saw it; default) or 'testAccuracy' (the test split). */
  metric?: 'finalAccuracy' | 'testAccuracy';
}

/** One claim's registered test: the text fields say it in words; numeric fields are read by the verdict code. */
export type ProtocolClaim = { statistic: string; family?: string } & Record<string, string | number | undefined>;

export interface ProtocolVersion {
  version: number;
  /** The date the version was written into the file. */
  registered: string;
  /** Which runs it was written before (and which data already existed). */
  registeredBefore: string;
  /** The version it amends, and why. */
  amends?: number;
  why?: string;
  status: 'current' | 'superseded';
  statistics: ProtocolStatistics;
  /** Grids, scale, seeds, budget, stopping rule, selection and pairing, in words. */
  data: Record<string, unknown>;
  claims: Record<string, ProtocolClaim>;
  /** A registered tuning rule (version 3 of ea: the learning rates swept per size and the tie margin of the choice). */
  tuning?: { statistic: string; learningRates: Record<string, number[]>; tieMargin: number };
}

export interface Protocol {
  paper: string;
  title: string;
  versions: ProtocolVersion[];
}

/** The folder of the protocol files (EA_PROTOCOL_DIR overrides, for tests). */
export function defaultProtocolDir(): string {
  return process.env.EA_PROTOCOL_DIR || fileURLToPath(new URL('../../protocols', import.meta.url));
}

/** Checks a parsed protocol; throws naming the field that is wrong. */
export function checkProtocol(p: unknown, source = 'protocol'): Protocol {
  const fail = (what: string): never => { throw new Error(`${source}: ${what}`); };
  if (typeof p !== 'object' || p === null) fail('not a JSON object');
  const o = p as Protocol;
  if (typeof o.paper !== 'string' || typeof o.title !== 'string') fail("needs a 'paper' and a 'title'");
  if (!Array.isArray(o.versions) || o.versions.length === 0) fail("needs a non-empty 'versions' array");
  o.versions.forEach((v, i) => {
    const at = `version ${i + 1}`;
    if (v.version !== i + 1) fail(`versions must be numbered 1, 2, … in order; entry ${i} has version ${JSON.stringify(v.version)}`);
    for (const k of ['registered', 'registeredBefore'] as const) if (typeof v[k] !== 'string') fail(`${at}: '${k}' must be a string`);
    if (i > 0 && (v.amends === undefined || typeof v.why !== 'string' || !v.why)) fail(`${at}: an amendment must say which version it amends ('amends') and why ('why')`);
    if (v.amends !== undefined && !(Number.isInteger(v.amends) && v.amends >= 1 && v.amends < v.version)) fail(`${at}: 'amends' must name an earlier version; got ${v.amends}`);
    const wantStatus = i === o.versions.length - 1 ? 'current' : 'superseded';
    if (v.status !== wantStatus) fail(`${at}: status must be '${wantStatus}' (only the last version is current); got ${JSON.stringify(v.status)}`);
    const s = v.statistics;
    if (!s || !(s.level > 0 && s.level < 1)) fail(`${at}: statistics.level must be in (0, 1)`);
    if (!INTERVAL_METHODS.includes(s.interval)) fail(`${at}: statistics.interval must be one of ${INTERVAL_METHODS.join(', ')}; got ${JSON.stringify(s.interval)}`);
    if (!['pairs', 'clusters'].includes(s.pooling)) fail(`${at}: statistics.pooling must be 'pairs' or 'clusters'; got ${JSON.stringify(s.pooling)}`);
    if (!CORRECTIONS.includes(s.correction)) fail(`${at}: statistics.correction must be one of ${CORRECTIONS.join(', ')}; got ${JSON.stringify(s.correction)}`);
    if (!(s.alpha > 0 && s.alpha < 1)) fail(`${at}: statistics.alpha must be in (0, 1)`);
    if (!Number.isInteger(s.resamples) || s.resamples < 1) fail(`${at}: statistics.resamples must be a positive integer`);
    if (s.metric !== undefined && !['finalAccuracy', 'testAccuracy'].includes(s.metric)) fail(`${at}: statistics.metric must be 'finalAccuracy' or 'testAccuracy'; got ${JSON.stringify(s.metric)}`);
    if (typeof v.claims !== 'object' || v.claims === null || Object.keys(v.claims).length === 0) fail(`${at}: needs 'claims'`);
    for (const [id, c] of Object.entries(v.claims)) if (typeof c.statistic !== 'string') fail(`${at}: claim '${id}' needs a 'statistic' in words`);
  });
  return o;
}

/** Reads and checks `protocols/<paper>.json`. */
export function loadProtocol(paper: string, dir = defaultProtocolDir()): Protocol {
  const path = `${dir}/${paper}.json`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`no protocol for paper '${paper}': ${path} does not exist`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${err instanceof Error ? err.message : err})`);
  }
  const p = checkProtocol(parsed, path);
  if (p.paper !== paper) throw new Error(`${path}: its 'paper' is '${p.paper}', expected '${paper}'`);
  return p;
}

/** One version of a protocol (default: the current, i.e. the last). */
export function protocolVersion(p: Protocol, version?: number): ProtocolVersion {
  if (version === undefined) return p.versions[p.versions.length - 1];
  const v = p.versions.find((x) => x.version === version);
  if (!v) throw new Error(`protocol '${p.paper}' has versions ${p.versions.map((x) => x.version).join(', ')}; got version ${version}`);
  return v;
}

/** A claim's numeric parameter, e.g. its margin; throws if the protocol does not set it. */
export function claimNumber(v: ProtocolVersion, claim: string, field: string): number {
  const c = v.claims[claim];
  if (!c) throw new Error(`protocol version ${v.version} has no claim '${claim}'; it has ${Object.keys(v.claims).join(', ')}`);
  const x = c[field];
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`protocol version ${v.version}, claim '${claim}': '${field}' must be a number; got ${JSON.stringify(x)}`);
  return x;
}
