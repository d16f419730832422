/**
 * The library's layout, as README's map states it: which folder may import which, and no import
 * circle. Reads the import statements of lib/ (value and type imports alike).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const LIB = fileURLToPath(new URL('../lib', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** file (relative to lib/) → the lib files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(LIB)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s*'(\.{1,2}\/[^']+)\.js'|import\('(\.{1,2}\/[^']+)\.js'\)/g)]
      .map((m) => relative(LIB, normalize(join(dirname(file), `${m[1] ?? m[2]}.ts`))));
    graph.set(relative(LIB, file), [...new Set(targets)]);
  }
  return graph;
}

/** The folder a file belongs to for the rules: its first path part ('backend.ts' and 'index.ts' are their own). */
const room = (file: string): string => (file.includes('/') ? file.split('/')[0] : file.replace(/\.ts$/, ''));

/** Which rooms each room may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  backend: [],
  attention: [],
  models: ['attention', 'util'],
  tasks: ['models', 'train', 'util'],
  train: ['models', 'backend', 'util'],
  bench: ['train', 'models', 'backend', 'util'],
  lab: ['train', 'tasks', 'models', 'attention', 'backend', 'util'],
  plots: ['lab', 'train', 'models', 'attention', 'backend', 'util'],
  notebook: ['lab', 'plots', 'util'],
  papers: ['lab', 'notebook', 'plots', 'bench', 'train', 'tasks', 'models', 'attention', 'backend', 'util'],
  cli: ['papers', 'lab', 'bench', 'train', 'tasks', 'models', 'attention', 'backend', 'util'],
  index: ['*'],
};

test('layout: every folder imports only the folders below it (lab, plots and notebook never import papers; models never import train)', () => {
  const wrong: string[] = [];
  for (const [file, targets] of importGraph()) {
    const allowed = ALLOWED[room(file)];
    assert.ok(allowed, `${file}: a room the layout test does not know (${room(file)}); add it to ALLOWED and to README's map`);
    for (const t of targets) {
      const r = room(t);
      if (r !== room(file) && !allowed.includes('*') && !allowed.includes(r)) wrong.push(`${file} → ${t}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('layout: the trainer knows no concrete model (the stacked dispatch in models/stacked/ does)', () => {
  const concrete = /^models\/(transformer|lstm|mlp)\.ts$|^models\/stacked\/(transformer|lstm|mlp)\.ts$/;
  const wrong = [...importGraph()].filter(([f]) => f.startsWith('train/')).flatMap(([f, ts]) => ts.filter((t) => concrete.test(t)).map((t) => `${f} → ${t}`));
  assert.deepEqual(wrong, []);
});

test('layout: no import circle', () => {
  const graph = importGraph();
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      circles.push([...path.slice(path.indexOf(f)), f].join(' → '));
      return;
    }
    state.set(f, 'open');
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(circles, []);
});
