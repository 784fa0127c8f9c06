import OpenAPIResponseValidator from 'openapi-response-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIV3 } from 'openapi-types';

const ROOT = join(__dirname, '..', '..');

/** The committed contract (openapi.json at the repository root). */
export function loadContract(): OpenAPIV3.Document {
  return JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as OpenAPIV3.Document;
}

/** `/emails/3f…/retry` → `/emails/{id}/retry`: the documented path a concrete URL matches. */
function templateFor(doc: OpenAPIV3.Document, path: string): string | undefined {
  // A literal path (/emails/redrive) wins over a template it also matches (/emails/{id}).
  if (doc.paths[path]) return path;
  return Object.keys(doc.paths).find((template) => {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}$`).test(path);
  });
}

export interface LiveAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * Validates a live answer against the contract with openapi-response-validator: the status
 * must be documented for the operation, and the body must match its schema. Returns the
 * problems (empty when the answer is what the document promises).
 */
export function contractViolations(
  doc: OpenAPIV3.Document,
  method: string,
  url: string,
  answer: LiveAnswer,
): string[] {
  const path = new URL(url, 'http://x').pathname;
  const template = templateFor(doc, path);
  if (!template) return [`${path} is not in the document`];
  const operation = (doc.paths[template] as Record<string, OpenAPIV3.OperationObject>)[
    method.toLowerCase()
  ];
  if (!operation) return [`${method} ${template} is not in the document`];
  const documented = operation.responses[String(answer.status)] as
    OpenAPIV3.ResponseObject | OpenAPIV3.ReferenceObject | undefined;
  if (!documented) {
    return [`${method} ${template} answered ${answer.status}, which is not documented`];
  }
  const response = resolve<OpenAPIV3.ResponseObject>(doc, documented);
  const problems: string[] = [];
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const { required } = resolve<OpenAPIV3.HeaderObject>(doc, header);
    if (required && answer.headers.get(name) === null) {
      problems.push(`${method} ${template} ${answer.status}: header ${name} missing`);
    }
  }
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return problems;
  const validator = new OpenAPIResponseValidator({
    responses: { [answer.status]: { schema } },
    components: doc.components,
  });
  const result = validator.validateResponse(answer.status, answer.body);
  if (result) {
    problems.push(
      `${method} ${template} ${answer.status}: ${JSON.stringify(result.errors)} in ${JSON.stringify(answer.body).slice(0, 300)}`,
    );
  }
  return problems;
}

function resolve<T>(doc: OpenAPIV3.Document, item: T | OpenAPIV3.ReferenceObject): T {
  if (item && typeof item === 'object' && '$ref' in item) {
    const parts = item.$ref.replace(/^#\//, '').split('/');
    let node: unknown = doc;
    for (const part of parts) node = (node as Record<string, unknown>)[part];
    return node as T;
  }
  return item;
}
