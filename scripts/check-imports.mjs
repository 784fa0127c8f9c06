#!/usr/bin/env node
// Checks that imports between the top-level folders of src/ point one way:
//  1. no cycles between folders (a folder never imports one that depends on it), and
//  2. the layers of docs (features → infrastructure → config): config imports nothing in
//     src, and infrastructure folders import no feature.
// Usage: node scripts/check-imports.mjs [srcDir]   (exit 1 and one line per problem)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');

/** Folders that must import no feature; config must import nothing in src at all. */
const INFRASTRUCTURE = [
  'config',
  'core',
  'logging',
  'metrics',
  'redis',
  'security',
  'templates',
  'openapi',
];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts'))
      yield path;
  }
}

/** Top-level folder of a file under src/, or undefined for files at its root (main, app.module). */
function folderOf(path) {
  const parts = relative(root, path).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

const edges = new Map(); // folder -> Map(folder -> example "file -> import")
for (const file of files(root)) {
  const from = folderOf(file);
  if (!from) continue;
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(root + sep)) continue;
    const to = folderOf(target + '.ts');
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const targets = edges.get(from);
    if (!targets.has(to)) targets.set(to, `${relative(root, file)} imports ${spec}`);
  }
}

const problems = [];

// Cycles: Tarjan's strongly connected components over the folder graph.
const folders = [
  ...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]),
];
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function connect(v) {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!index.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) {
      const members = new Set(component);
      const detail = component
        .flatMap((a) =>
          [...(edges.get(a) ?? [])]
            .filter(([b]) => members.has(b))
            .map(([b, why]) => `  ${a} → ${b}: ${why}`),
        )
        .join('\n');
      problems.push(`cycle between src/{${component.sort().join(',')}}:\n${detail}`);
    }
  }
}
for (const folder of folders) if (!index.has(folder)) connect(folder);

// Layers.
for (const [from, targets] of edges) {
  for (const [to, why] of targets) {
    if (from === 'config') problems.push(`src/config must import nothing else in src: ${why}`);
    else if (INFRASTRUCTURE.includes(from) && !INFRASTRUCTURE.includes(to)) {
      problems.push(`infrastructure src/${from} imports feature src/${to}: ${why}`);
    }
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`check-imports: ${problems.length} problem(s)`);
  process.exit(1);
}
const count = [...edges.values()].reduce((n, m) => n + m.size, 0);
console.log(
  `check-imports: ${folders.length} folders, ${count} folder dependencies, no cycles, layers respected`,
);
