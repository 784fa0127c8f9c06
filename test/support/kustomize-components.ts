import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  K8S_DIR,
  loadKustomization,
  loadManifests,
  parseYamlDocuments,
  REPO_ROOT,
  type Manifest,
} from './manifests';

/**
 * Just enough of kustomize to apply the components in k8s/components to the base, offline:
 * `resources`, JSON 6902 patches (add/replace/remove, `/-` appends) selected by target, and
 * strategic-merge `$patch: delete`. Anything else throws, so a component using more fails its
 * test instead of being half-applied. (Checked against `kubectl kustomize` 5.5 by hand.)
 */
interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
}
interface Component {
  apiVersion: string;
  kind: string;
  resources?: string[];
  patches?: Array<{ target?: Target; patch: string }>;
  [other: string]: unknown;
}
type Operation = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

export const componentDir = (name: string) => join(K8S_DIR, 'components', name);

export function loadComponent(name: string): Component {
  const text = readFileSync(join(componentDir(name), 'kustomization.yaml'), 'utf8');
  const component = parse(text) as Component;
  const unsupported = Object.keys(component).filter(
    (key) => !['apiVersion', 'kind', 'resources', 'patches'].includes(key),
  );
  if (unsupported.length > 0)
    throw new Error(`${name}: unsupported fields ${unsupported.join(', ')}`);
  return component;
}

/** The base's resources (generated ConfigMaps aside), as kustomize would read them. */
export function baseManifests(): Manifest[] {
  return (loadKustomization().resources ?? []).flatMap((file) => loadManifests(file));
}

const matches = (manifest: Manifest, target: Target) => {
  const [group, version] = manifest.apiVersion.includes('/')
    ? manifest.apiVersion.split('/')
    : ['', manifest.apiVersion];
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === manifest.kind) &&
    (target.name === undefined || target.name === manifest.metadata.name)
  );
};

function applyOperation(document: unknown, { op, path, value }: Operation): void {
  const keys = path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop()!;
  let parent = document as Record<string, unknown>;
  for (const key of keys) {
    const next = parent[key];
    if (typeof next !== 'object' || next === null) throw new Error(`patch path ${path}: no ${key}`);
    parent = next as Record<string, unknown>;
  }
  if (Array.isArray(parent)) {
    if (op === 'add' && last === '-') parent.push(value);
    else if (op === 'add') parent.splice(Number(last), 0, value);
    else if (op === 'replace') parent[Number(last)] = value;
    else parent.splice(Number(last), 1);
    return;
  }
  if (op !== 'add' && !(last in parent)) throw new Error(`patch path ${path}: no ${last}`);
  if (op === 'remove') delete parent[last];
  else parent[last] = value;
}

/** The base with `names` applied in order, every object re-validated against its schema. */
export function buildWithComponents(names: string[], base = baseManifests()): Manifest[] {
  let manifests = structuredClone(base);
  for (const name of names) {
    const component = loadComponent(name);
    if (component.kind !== 'Component') throw new Error(`${name}: kind must be Component`);
    for (const file of component.resources ?? []) {
      const path = join(componentDir(name), file);
      if (!existsSync(path)) throw new Error(`${name}: resource ${file} does not exist`);
      manifests.push(...(parseYamlDocuments(readFileSync(path, 'utf8'), path) as Manifest[]));
    }
    for (const { target, patch } of component.patches ?? []) {
      const parsed = parse(patch) as unknown;
      if (Array.isArray(parsed)) {
        const selected = manifests.filter((m) => target !== undefined && matches(m, target));
        if (selected.length === 0) throw new Error(`${name}: patch target matches nothing`);
        for (const manifest of selected)
          for (const operation of parsed as Operation[]) applyOperation(manifest, operation);
      } else {
        const deletion = parsed as Manifest & { $patch?: string };
        if (deletion.$patch !== 'delete')
          throw new Error(`${name}: only $patch: delete is supported`);
        const before = manifests.length;
        manifests = manifests.filter(
          (m) => !(m.kind === deletion.kind && m.metadata.name === deletion.metadata.name),
        );
        if (manifests.length === before) throw new Error(`${name}: nothing to delete`);
      }
    }
  }
  return manifests;
}

/**
 * Validates a KEDA object against @kubernetes-models/keda (ES modules only, hence a child
 * Node process). Returns the validation error, or undefined when valid.
 */
export function kedaValidationError(object: unknown): string | undefined {
  const script = [
    "import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';",
    "let text = ''; process.stdin.on('data', (c) => (text += c)).on('end', () => {",
    '  try { new ScaledObject(JSON.parse(text)).validate(); } catch (e) { console.log(e.message); }',
    '});',
  ].join('\n');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    input: JSON.stringify(object),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`KEDA validation could not run: ${result.stderr}`);
  return result.stdout.trim() || undefined;
}
