// Checks that src/ layers import only downward (core <- communication <- executors <- jobs <- cli) and that no import cycle exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const LAYERS = ['core', 'communication', 'executors', 'jobs', 'cli'];
// src/index.ts and other files at the top of src/ sit above every layer.
const TOP = LAYERS.length;

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function layerOf(file) {
  const first = relative(root, file).split(sep)[0];
  const i = LAYERS.indexOf(first);
  return i === -1 ? TOP : i;
}

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next candidate
    }
  }
  return null;
}

const files = walk(root);
const graph = new Map();
const errors = [];
const importRe = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

for (const file of files) {
  // Comments (JSDoc examples included) are not imports: drop block comments and whole-line // comments.
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const isTest = /\.test\.ts$|\.case\.ts$|[\\/]fixtures[\\/]/.test(file);
  const edges = [];
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    const target = resolveImport(file, spec);
    if (!target) {
      errors.push(`${relative(root, file)}: cannot resolve import '${spec}'`);
      continue;
    }
    if (!target.startsWith(root)) continue;
    // Type-only imports still count: a lower layer must not know a higher one's types either.
    if (layerOf(target) > layerOf(file) && !isTest) {
      errors.push(`${relative(root, file)} (${LAYERS[layerOf(file)] ?? 'top'}) imports ${relative(root, target)} (${LAYERS[layerOf(target)] ?? 'top'}): layers import only downward`);
    }
    if (!isTest) edges.push(target);
  }
  graph.set(file, edges);
}

// Cycle detection over the production import graph (tests may import anything).
const state = new Map();
const stack = [];
function visit(node) {
  state.set(node, 1);
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    const s = state.get(next);
    if (s === 1) {
      const cycle = stack.slice(stack.indexOf(next)).concat(next).map((f) => relative(root, f));
      errors.push(`import cycle: ${cycle.join(' -> ')}`);
    } else if (s === undefined) visit(next);
  }
  stack.pop();
  state.set(node, 2);
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

if (errors.length > 0) {
  console.error(errors.join('\n'));
  process.exit(1);
}
console.log(`layers ok: ${files.length} files, imports only downward, no cycles`);
