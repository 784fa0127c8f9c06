import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

export const REPO_ROOT = join(__dirname, '..', '..');
export const K8S_DIR = join(REPO_ROOT, 'k8s');

export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}

interface Validatable {
  validate(): void;
}
// `never` parameter: any model constructor fits, whatever data type it declares.
type ModelConstructor = new (data: never) => Validatable;

/** The schema for each `apiVersion/kind` we ship; anything else is a mistake. */
const MODELS: Record<string, ModelConstructor> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates one object against the Kubernetes / prometheus-operator OpenAPI schema of its
 * kind and returns it typed. Throws naming the kind, the object and the schema error.
 * Note: the schemas allow unknown fields, so a misspelt optional field passes; tests assert
 * the fields that matter by their correct names to close that gap.
 */
export function validateManifest(object: unknown, source = 'manifest'): Manifest {
  if (!isRecord(object)) throw new Error(`${source}: not a YAML mapping`);
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    throw new Error(`${source}: apiVersion and kind must be strings`);
  }
  const Model = MODELS[`${apiVersion}/${kind}`];
  if (Model === undefined) throw new Error(`${source}: no schema for ${apiVersion} ${kind}`);
  const metadata = object.metadata;
  const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : '?';
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${source}: ${kind} ${name} is invalid: ${(error as Error).message}`);
  }
  return object as Manifest;
}

/** Every YAML document in `text`; a syntax error throws with the file name. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) {
      throw new Error(`${source}: ${document.errors.map((e) => e.message).join('; ')}`);
    }
    return document.toJS() as unknown;
  });
}

/** Parses and validates every document of a file under k8s/. */
export function loadManifests(file: string): Manifest[] {
  const path = join(K8S_DIR, file);
  return parseYamlDocuments(readFileSync(path, 'utf8'), path).map((document) =>
    validateManifest(document, file),
  );
}

/** The single manifest of `kind` in `file`. */
export function loadManifest<T>(file: string, kind: string): T {
  const matches = loadManifests(file).filter((manifest) => manifest.kind === kind);
  if (matches.length !== 1) {
    throw new Error(`${file}: expected exactly one ${kind}, found ${matches.length}`);
  }
  return matches[0] as unknown as T;
}

export interface Kustomization {
  namespace?: string;
  resources?: string[];
  configMapGenerator?: Array<{
    name: string;
    files?: string[];
    envs?: string[];
    literals?: string[];
  }>;
  secretGenerator?: Array<{ name: string; files?: string[]; envs?: string[] }>;
  images?: Array<{ name: string; newTag?: string; newName?: string }>;
}

export function loadKustomization(): Kustomization {
  const path = join(K8S_DIR, 'kustomization.yaml');
  const [document] = parseYamlDocuments(readFileSync(path, 'utf8'), path);
  return document as Kustomization;
}

/**
 * Reads a kustomize env file (KEY=VALUE lines, `#` comments) the way configMapGenerator
 * does: the value is everything after the first `=`, quotes included.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const equals = trimmed.indexOf('=');
    if (equals <= 0) throw new Error(`env file line without KEY=VALUE: ${line}`);
    env[trimmed.slice(0, equals)] = trimmed.slice(equals + 1);
  }
  return env;
}

/** The ConfigMap the kustomization's configMapGenerator builds, without the hash suffix. */
export function generatedConfigMap(name: string): Manifest & { data: Record<string, string> } {
  const generator = loadKustomization().configMapGenerator?.find((g) => g.name === name);
  if (generator === undefined) throw new Error(`no configMapGenerator named ${name}`);
  const data: Record<string, string> = {};
  for (const envFile of generator.envs ?? []) {
    Object.assign(data, parseEnvFile(readFileSync(join(K8S_DIR, envFile), 'utf8')));
  }
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
  validateManifest(configMap, `configMapGenerator ${name}`);
  return configMap;
}
