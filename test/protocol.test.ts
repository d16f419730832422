/**
 * The registered protocols: every file in protocols/ is well formed, versions are appended with a
 * reason, and the verdict code judges exactly the claims each version registers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkProtocol, claimNumber, defaultProtocolDir, loadProtocol, protocolVersion } from '../lib/lab/protocol.js';
import { eaClaims } from '../lib/papers/ea/verdicts.js';

test('every protocol file is well formed; only the last version is current; amendments say why', () => {
  const files = readdirSync(defaultProtocolDir()).filter((f) => f.endsWith('.json'));
  assert.ok(files.includes('ea.json'), files.join(', '));
  for (const f of files) {
    const p = loadProtocol(f.replace(/\.json$/, ''));
    assert.equal(protocolVersion(p).status, 'current');
    for (const v of p.versions.slice(1)) assert.ok(v.why && v.amends, `${f} version ${v.version}`);
  }
});

test('the EA verdict code judges exactly the claims each version of protocols/ea.json registers, with its margins', () => {
  const p = loadProtocol('ea');
  const row = (mechanism: string, seed: number): Record<string, string | number> => ({ mechanism, size: 'small', N: 16, b: 4, seed, finalAccuracy: 1, testAccuracy: 1, stepsToPerfect: 400, stopReason: 'perfect', parameterCount: 10 });
  const rows = [0, 1].flatMap((s) => [row('expressive', s), row('dot-product', s)]);
  for (const v of p.versions) {
    assert.deepEqual(eaClaims({ single: rows, multi: [], protocol: v }).map((c) => c.id), Object.keys(v.claims), `version ${v.version}`);
  }
  // The margin is read from the file: a version with another margin gives another rule text.
  const v2 = protocolVersion(p, 2);
  const wider = { ...v2, claims: { ...v2.claims, 'at-least-as-good': { ...v2.claims['at-least-as-good'], margin: 0.05 } } };
  assert.match(eaClaims({ single: rows, multi: [], protocol: wider })[0].rule, /above −0\.05/);
  assert.equal(claimNumber(v2, 'at-least-as-good', 'margin'), 0.02);
  assert.throws(() => claimNumber(v2, 'at-least-as-good', 'statistic'), /'statistic' must be a number/);
  assert.throws(() => claimNumber(v2, 'nope', 'margin'), /has no claim 'nope'/);
});

test('checkProtocol refuses edited history: renumbered versions, an amendment without a reason, two current versions, a bad method', () => {
  const good = loadProtocol('ea');
  const clone = (): typeof good => structuredClone(good);
  const bad = (edit: (p: typeof good) => void, message: RegExp): void => {
    const p = clone();
    edit(p);
    assert.throws(() => checkProtocol(p), message);
  };
  bad((p) => { p.versions[1].version = 3; }, /numbered 1, 2, … in order/);
  bad((p) => { delete p.versions[1].why; }, /must say which version it amends \('amends'\) and why/);
  bad((p) => { p.versions[0].status = 'current'; }, /status must be 'superseded'/);
  bad((p) => { p.versions[1].statistics.interval = 'bca' as 't'; }, /statistics.interval must be one of t, bootstrap/);
  bad((p) => { p.versions[1].statistics.correction = 'bonferroni' as 'holm'; }, /statistics.correction must be one of holm, bh, none/);
  const dir = mkdtempSync(join(tmpdir(), 'ea-protocol-'));
  writeFileSync(join(dir, 'ea.json'), '{ "paper": "ea", ');
  assert.throws(() => loadProtocol('ea', dir), /not valid JSON/);
  assert.throws(() => loadProtocol('nope', dir), /no protocol for paper 'nope'/);
  assert.throws(() => protocolVersion(good, 7), /has versions 1, 2, 3; got version 7/);
  bad((p) => { p.versions[2].statistics.metric = 'bestAccuracy' as 'testAccuracy'; }, /statistics.metric must be 'finalAccuracy' or 'testAccuracy'/);
});
