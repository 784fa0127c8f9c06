import type { SchemaObject } from '@nestjs/swagger';

/**
 * Schemas a feature owns and adds to openapi.json's components (infrastructure imports no
 * feature, so features hand theirs in): a module provides
 * `{ provide: OPENAPI_FEATURE_SCHEMAS, useValue: { Name: schema } }`; every such provider in
 * the app is merged into the document.
 */
export const OPENAPI_FEATURE_SCHEMAS = Symbol('OPENAPI_FEATURE_SCHEMAS');

export type FeatureSchemas = Record<string, SchemaObject>;
