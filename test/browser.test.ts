/**
 * The notebooks as a reader sees them, in JupyterLab (free local port, random token, an empty Jupyter
 * data dir so notebooks are *untrusted*) and headless Chromium (Debian `chromium` driven by
 * playwright-core):
 *  1. notebooks/00-attention-geometry.ipynb, executed headless, is opened: every Plotly figure must be
 *     drawn by JupyterLab's Plotly renderer (its SVG in the page, with our axis titles and legend); the
 *     page is closed, the notebook reopened from disk and checked again;
 *  2. the HTML fallback of `show` (for front ends without that renderer) draws its figures in a plain
 *     page, loading plotly.js once for all of them;
 *  3. a small notebook that trains with `trainLive` is run in the browser: its cell must keep exactly
 *     one output, show several successive frames (step, rate, ETA) while training, and end as a Plotly
 *     figure with the outcome;
 *  4. every other notebook as committed (executed on the full-scale data, not re-run here) is opened:
 *     each of its saved Plotly outputs must be drawn, none by the HTML fallback.
 * Screenshots and the server log go to test-artifacts/browser/.
 *
 * Needs the JupyterLab environment (`node scripts/lab.mjs --setup-only`) and chromium
 * (`scripts/install-chromium.sh`); skipped with a message when either is missing, except under
 * CI=true, where that is a failure. EA_CHROMIUM overrides the browser path (default /usr/bin/chromium).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { figureBundle } from '../lib/plots/display.js';
import { lineFigure } from '../lib/plots/figures.js';
import { ensureNotebookLink, jupyterEnv, labEnvStatus, root, venvPython } from '../scripts/lab-env.mjs';

const NOTEBOOK = '00-attention-geometry.ipynb';
const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
const chromiumPath = process.env.EA_CHROMIUM ?? '/usr/bin/chromium';
// The flags TOOLCHAIN.md lists for Debian's chromium in a container (playwright adds --headless).
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const artifacts = join(root, 'test-artifacts', 'browser');

const status = labEnvStatus();
const missing = [
  ...(status.ready ? [] : [`the JupyterLab environment (${status.reason}; run \`node scripts/lab.mjs --setup-only\`)`]),
  ...(existsSync(chromiumPath) ? [] : [`chromium at ${chromiumPath} (run scripts/install-chromium.sh, or set EA_CHROMIUM)`]),
];
if (missing.length && process.env.CI === 'true') throw new Error(`browser test cannot run in CI: missing ${missing.join(' and ')}`);
const skip = missing.length ? `missing ${missing.join(' and ')}` : false;
if (skip) console.warn(`[browser.test] skipped: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'ea-browser-'));
let server: ChildProcess | undefined;
let browser: Browser | undefined;
after(async () => {
  const t0 = performance.now();
  await browser?.close().catch(() => {});
  console.log(`# browser closed in ${elapsed(t0)}`);
  if (server && server.exitCode === null) {
    server.kill('SIGTERM'); // JupyterLab shuts its kernels down on SIGTERM
    const exited = await Promise.race([new Promise((ok) => server?.once('exit', ok)), sleep(15_000, { unref: true }).then(() => false)]);
    if (exited === false) server.kill('SIGKILL');
    console.log(`# JupyterLab stopped in ${elapsed(t0)}${exited === false ? ' (killed)' : ''}`);
  }
  rmSync(work, { recursive: true, force: true });
});

function sleep(ms: number, { unref = false } = {}): Promise<void> {
  return new Promise((ok) => {
    const timer = setTimeout(ok, ms);
    if (unref) timer.unref(); // a pending timeout would keep the test process alive after the test
  });
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

/** True when GET url answers 200 (a plain request without keep-alive: no pooled connection is left behind). */
function httpOk(url: string): Promise<boolean> {
  return new Promise((ok) => {
    const req = get(url, { agent: false }, (res) => { res.resume(); ok(res.statusCode === 200); });
    req.on('error', () => ok(false));
    req.setTimeout(5000, () => { req.destroy(); ok(false); });
  });
}

function elapsed(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

/** Every figure the saved notebook holds is a Plotly output drawn by JupyterLab's renderer. */
async function checkFigures(page: Page, expected: number, what: string): Promise<void> {
  const figures = page.locator('.jp-OutputArea-output.jp-RenderedPlotly');
  const drawn = page.locator('.jp-RenderedPlotly:has(svg.main-svg)');
  await drawn.nth(expected - 1).waitFor({ timeout: 120_000 }).catch(async () => {
    assert.fail(`${what}: ${await drawn.count()} of ${expected} Plotly figures rendered within 120 s`);
  });
  assert.equal(await figures.count(), expected, `${what}: Plotly outputs`);
  const first = figures.first();
  const svgText = await first.locator('svg.main-svg').allTextContents();
  const text = svgText.join(' ');
  for (const expectedText of ['angle θ between query and key', 'α(θ) / α(0°)', 'DPA (softmax)', 'EA', 'Cog', '90°']) {
    assert.ok(text.includes(expectedText), `${what}: the first figure's SVG lacks '${expectedText}' (axis titles, ticks, legend)`);
  }
  assert.ok(await first.locator('.scatterlayer .trace').count() >= 6, `${what}: one line per attention rule`);
  // The HTML fallback must not be what is shown (it is for front ends without the Plotly renderer).
  assert.equal(await page.getByText('Open the notebook in JupyterLab to see it').count(), 0, `${what}: the HTML fallback is visible`);
}

/** A notebook that trains a tiny model with the live view (written by the test, served with the other). */
const LIVE_NOTEBOOK = 'live-training.ipynb';
const LIVE_CELLS = [
  "import * as ea from 'expressive-attention';\nawait ea.initBackend();",
  "const data = new ea.ToySource({ symbols: 8, length: 8, batchSize: 16, seed: 1 });\n" +
  "const model = new ea.Transformer({ vocabSize: data.vocabSize, contextLength: data.contextLength, width: 16, layers: 1, heads: 2, attention: 'expressive' });\n" +
  "const result = await ea.trainLive(model, data, { steps: 3000, learningRate: 3e-3, evalEvery: 25, earlyStopAtPerfect: false }, { title: 'live view test', updateEveryMs: 250 });\n" +
  'ea.disposeParams(result.params);',
];

test('JupyterLab in headless Chromium', { skip, timeout: 15 * 60_000 }, async (t) => {
  const t0 = performance.now();
  mkdirSync(artifacts, { recursive: true });
  ensureNotebookLink();

  // 1. Execute the notebook headless (EA_SCALE=smoke) into the folder JupyterLab will serve.
  const served = join(work, 'served');
  mkdirSync(join(served, 'node_modules'), { recursive: true });
  const run = spawnSync(venvPython, [join(root, 'scripts', 'run_notebook.py'), join(root, 'notebooks', NOTEBOOK), join(served, NOTEBOOK)],
    { cwd: join(root, 'notebooks'), env: jupyterEnv({ EA_SCALE: 'smoke' }), encoding: 'utf8' });
  assert.equal(run.status, 0, `executing ${NOTEBOOK} failed:\n${(run.stderr ?? '').slice(-3000)}`);
  const saved = JSON.parse(readFileSync(join(served, NOTEBOOK), 'utf8')) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
  const expected = saved.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && PLOTLY_MIME in o.data).length;
  assert.ok(expected >= 3, `${NOTEBOOK} should hold at least 3 Plotly outputs; it holds ${expected}`);
  console.log(`# executed ${NOTEBOOK} (${expected} figures) after ${elapsed(t0)}`);
  // The committed notebooks, as a reader opens them after cloning (their saved outputs, not re-executed).
  const committed = readdirSync(join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb') && f !== NOTEBOOK).sort();
  for (const f of committed) copyFileSync(join(root, 'notebooks', f), join(served, f));
  // The live-view notebook runs in the browser, in this folder: link the package as lab-env does for notebooks/.
  symlinkSync(root, join(served, 'node_modules', 'expressive-attention'), 'dir');
  writeFileSync(join(served, LIVE_NOTEBOOK), JSON.stringify({
    cells: LIVE_CELLS.map((source, i) => ({ cell_type: 'code', id: `live-${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (tslab)', language: 'typescript' } }, nbformat: 4, nbformat_minor: 5,
  }));
  // 2. Serve it. Settings: render every cell (no windowing, so all figures are in the DOM) and no news
  //    pop-up. A fresh Jupyter data dir has an empty signature store: the notebook is untrusted.
  const settings = join(work, 'settings');
  const settingFiles: [string, unknown][] = [
    ['@jupyterlab/notebook-extension/tracker.jupyterlab-settings', { windowingMode: 'none' }],
    ['@jupyterlab/apputils-extension/notification.jupyterlab-settings', { fetchNews: 'false', checkForUpdates: false }],
  ];
  for (const [file, value] of settingFiles) {
    mkdirSync(join(settings, file, '..'), { recursive: true });
    writeFileSync(join(settings, file), JSON.stringify(value));
  }
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const log = createWriteStream(join(artifacts, 'jupyterlab.log'));
  const args = ['-m', 'jupyterlab', '--no-browser', `--ServerApp.ip=127.0.0.1`, `--ServerApp.port=${port}`, '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${served}`, `--LabApp.user_settings_dir=${settings}`,
    `--LabApp.workspaces_dir=${join(work, 'workspaces')}`];
  if (process.getuid?.() === 0) args.push('--allow-root');
  server = spawn(venvPython, args, { cwd: served, env: jupyterEnv({ JUPYTER_DATA_DIR: join(work, 'jupyter-data') }), stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  const base = `http://127.0.0.1:${port}`;
  for (let ready = false; !ready;) {
    if (server.exitCode !== null) assert.fail(`JupyterLab exited (${server.exitCode}); see test-artifacts/browser/jupyterlab.log`);
    if (performance.now() - t0 > 180_000) assert.fail('JupyterLab did not answer within 3 minutes');
    ready = await httpOk(`${base}/api/status?token=${token}`);
    if (!ready) await sleep(250);
  }
  console.log(`# JupyterLab up on port ${port} after ${elapsed(t0)}`);

  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });

  await t.test(`${NOTEBOOK}: every Plotly figure renders (untrusted notebook), also after closing and reopening`, async () => {
    const t1 = performance.now();
    const url = `${base}/lab/tree/${NOTEBOOK}?token=${token}`;
    let page = await context.newPage();
    await page.goto(url);
    await checkFigures(page, expected, 'first opening');
    console.log(`# ${expected} figures rendered in ${elapsed(t1)}`);
    const figures = page.locator('.jp-OutputArea-output.jp-RenderedPlotly');
    await figures.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'notebook-00.png') });
    for (let i = 0; i < expected; i++) await figures.nth(i).screenshot({ path: join(artifacts, `notebook-00-figure-${i + 1}.png`) });
    // Close it and open it again from disk: the saved outputs must render again.
    await page.close();
    page = await context.newPage();
    await page.goto(url);
    await checkFigures(page, expected, 'reopened');
    await page.locator('.jp-OutputArea-output.jp-RenderedPlotly').nth(1).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'notebook-00-reopened.png') });
    await page.close();
    console.log(`# reopened and rendered again; ${elapsed(t1)} for both`);
  });

  await t.test(`the committed notebooks (${committed.join(', ')}): every saved Plotly figure renders`, async () => {
    for (const f of committed) {
      const t1 = performance.now();
      const file = JSON.parse(readFileSync(join(served, f), 'utf8')) as { cells: { cell_type: string; source: string | string[]; outputs?: { data?: Record<string, unknown> }[] }[] };
      const count = file.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && PLOTLY_MIME in o.data).length;
      assert.ok(count >= 1, `${f} holds no Plotly figure: is it committed executed?`);
      const page = await context.newPage();
      await page.goto(`${base}/lab/tree/${f}?token=${token}`);
      // JupyterLab restores earlier tabs too: address this notebook's panel by its title (the first heading).
      const heading = [file.cells[0].source].flat().join('').split('\n')[0].replace(/^#+\s*/, '');
      const panel = page.locator('.jp-NotebookPanel', { has: page.locator('h1', { hasText: heading }) });
      const drawn = panel.locator('.jp-RenderedPlotly:has(svg.main-svg)');
      await drawn.nth(count - 1).waitFor({ timeout: 120_000 }).catch(async () => {
        await page.screenshot({ path: join(artifacts, `${f}-timeout.png`) });
        assert.fail(`${f}: ${await drawn.count()} of ${count} Plotly figures rendered within 120 s`);
      });
      assert.equal(await panel.locator('.jp-OutputArea-output.jp-RenderedPlotly').count(), count, `${f}: Plotly outputs`);
      assert.equal(await page.getByText('Open the notebook in JupyterLab to see it').count(), 0, `${f}: the HTML fallback is visible`);
      const stem = f.replace(/\.ipynb$/, '');
      for (let i = 0; i < count; i++) await drawn.nth(i).screenshot({ path: join(artifacts, `${stem}-figure-${i + 1}.png`) });
      await page.close();
      console.log(`# ${f}: ${count} figures rendered in ${elapsed(t1)}`);
    }
  });

  await t.test('HTML fallback (front ends without the Plotly renderer): draws the figures, loads plotly.js once per page', async () => {
    const page = await context.newPage();
    let loads = 0;
    // The fallback loads plotly.js from the CDN; serve the installed plotly.js-dist instead (no network here).
    await page.route('https://cdn.plot.ly/**', (route) => {
      loads++;
      return route.fulfill({ path: join(root, 'node_modules', 'plotly.js-dist', 'plotly.js'), contentType: 'text/javascript' });
    });
    const figure = (title: string): string => figureBundle(lineFigure({ title, xTitle: 'step', yTitle: 'loss', series: [
      { name: 'expressive', x: [1, 2, 3], y: [3, 2, 1] }, { name: 'dot-product', x: [1, 2, 3], y: [3, 2.5, 2] }] }))['text/html'] as string;
    await page.setContent(`<!doctype html><html><head><meta charset="utf-8"></head><body>${figure('first')}${figure('second')}</body></html>`);
    const drawn = page.locator('.ea-plotly-figure:has(svg.main-svg)');
    await drawn.nth(1).waitFor({ timeout: 60_000 });
    assert.equal(await drawn.count(), 2);
    assert.equal(loads, 1, 'plotly.js is requested once for both figures');
    assert.match((await drawn.nth(1).locator('svg.main-svg').allTextContents()).join(' '), /second.*step|step.*second/s);
    await drawn.nth(0).screenshot({ path: join(artifacts, 'html-fallback.png') });
    await page.close();
  });

  await t.test('live training view: one output, updated in place while training, a Plotly figure at the end', async () => {
    const t1 = performance.now();
    const page = await context.newPage();
    await page.goto(`${base}/lab/tree/${LIVE_NOTEBOOK}?token=${token}`);
    // JupyterLab restores the previous tabs too: address this notebook's panel by its content.
    const notebook = page.locator('.jp-NotebookPanel', { hasText: 'live view test' });
    await notebook.locator('.jp-Cell').first().waitFor();
    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
    const cell = notebook.locator('.jp-CodeCell').nth(1);
    // Sample the training cell's outputs: the status line of the SVG frame, until the Plotly figure replaces it.
    const frames: string[] = [];
    let maxOutputs = 0;
    let midShot = false;
    for (;;) {
      if (performance.now() - t1 > 180_000) {
        await page.screenshot({ path: join(artifacts, 'live-training-timeout.png') });
        assert.fail(`no final figure within 3 minutes (see live-training-timeout.png); frames seen: ${frames.join(' | ')}`);
      }
      const state = await cell.evaluate((el) => {
        const img = el.querySelector('.jp-RenderedSVG img');
        const svg = img ? decodeURIComponent(img.getAttribute('src') ?? '') : '';
        return { outputs: el.querySelectorAll('.jp-OutputArea-output').length, status: /step [0-9]+\/3000[^<]*/.exec(svg)?.[0] ?? '', plotly: el.querySelector('.jp-RenderedPlotly .main-svg') !== null };
      });
      maxOutputs = Math.max(maxOutputs, state.outputs);
      if (state.status && state.status !== frames.at(-1)) frames.push(state.status);
      if (state.status && frames.length >= 3 && !midShot) {
        midShot = true;
        await cell.screenshot({ path: join(artifacts, 'live-training-frame.png') });
      }
      if (state.plotly) break;
      await sleep(150);
    }
    const steps = frames.map((f) => Number(/^step ([0-9]+)/.exec(f)?.[1]));
    assert.ok(frames.length >= 2, `at least two live frames expected before the end; saw ${JSON.stringify(frames)}`);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), `frames out of order: ${JSON.stringify(frames)}`);
    assert.ok(frames.every((f) => / steps\/s · ETA /.test(f) || /^step 1\//.test(f)), `status lines show rate and ETA: ${JSON.stringify(frames)}`);
    assert.equal(maxOutputs, 1, 'the training cell must have exactly one output (updated in place)');
    const title = (await cell.locator('.jp-RenderedPlotly .gtitle').allTextContents()).join(' ');
    assert.match(title, /live view test.*finished 3000 steps in/, 'the final figure carries the outcome');
    await cell.screenshot({ path: join(artifacts, 'live-training-final.png') });
    await page.close();
    console.log(`# live view: ${frames.length} distinct frames (steps ${steps.join(', ')}), final Plotly figure, ${elapsed(t1)}`);
  });
});
