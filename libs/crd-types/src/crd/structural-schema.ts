// Turns zod's OpenAPI 3.0 output into a structural schema as apiextensions.k8s.io/v1 requires: every
// node typed, no additionalProperties:false, records as additionalProperties, int-or-string in the
// one anyOf form the apiserver allows, passthrough objects as x-kubernetes-preserve-unknown-fields,
// zod's safe-integer bounds dropped. Anything else it does not know is an error, so a new zod
// construct is noticed here rather than by the apiserver.
import { z } from 'zod';

export type JsonSchema = { [key: string]: unknown };

/** The keys a node of a v1 CRD schema may carry, as this generator emits them. */
const ALLOWED = new Set([
  'type', 'description', 'default', 'enum', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'properties', 'required', 'items', 'additionalProperties',
  'anyOf', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
]);
/** Keys that only restrict a value: the int-or-string branches' validations move up beside the anyOf. */
const VALUE_VALIDATIONS = ['pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];
/** Regular expression features Go's RE2 (the apiserver's) lacks. */
const NOT_RE2 = /\(\?[=!<]|\\[1-9]/;

export class StructuralSchemaError extends Error {
  readonly code = 'STRUCTURAL_SCHEMA';
  constructor(readonly path: string, detail: string) {
    super(`${path || '<root>'}: ${detail}`);
    this.name = 'StructuralSchemaError';
  }
}

/** The zod schema as the OpenAPI v3 schema of a CRD version (the input side: defaults optional). */
export function structuralSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  delete raw.$schema;
  return toStructural(raw, '');
}

export function toStructural(node: JsonSchema, path: string): JsonSchema {
  const out: JsonSchema = { ...node };
  if ('$ref' in out || '$defs' in out || 'definitions' in out) throw new StructuralSchemaError(path, 'references are not allowed; inline the schema');
  if (out['x-kubernetes-int-or-string']) intOrString(out, path);
  else if (out.anyOf || out.oneOf || out.allOf) throw new StructuralSchemaError(path, 'unions other than int-or-string are not structural');
  if (out.type === 'object') object(out, path);
  if (out.type === 'array') {
    if (!out.items) throw new StructuralSchemaError(path, 'an array needs items');
    out.items = toStructural(out.items as JsonSchema, `${path}[]`);
  }
  if (out.type === 'integer' || out.type === 'number') {
    for (const bound of ['minimum', 'maximum'] as const) {
      if (typeof out[bound] === 'number' && Math.abs(out[bound] as number) >= Number.MAX_SAFE_INTEGER) delete out[bound];
    }
  }
  if (out.format === 'date-time') delete out.pattern; // zod's own date-time regex; the apiserver checks the format
  if (typeof out.pattern === 'string' && NOT_RE2.test(out.pattern)) throw new StructuralSchemaError(path, `pattern ${out.pattern} uses lookaround or backreferences, which the apiserver (RE2) cannot run`);
  if (!out.type && !out['x-kubernetes-int-or-string'] && !out['x-kubernetes-preserve-unknown-fields']) throw new StructuralSchemaError(path, 'every field needs a type');
  for (const key of Object.keys(out)) if (!ALLOWED.has(key)) throw new StructuralSchemaError(path, `unsupported keyword ${key}`);
  return out;
}

function object(out: JsonSchema, path: string): void {
  const properties = out.properties as Record<string, JsonSchema> | undefined;
  const extra = out.additionalProperties;
  if (extra === false) delete out.additionalProperties; // strictness: pruning and fieldValidation=Strict
  delete out.propertyNames; // records keyed by plain strings
  if (out['x-kubernetes-preserve-unknown-fields']) {
    // A passthrough object: no declared fields, anything kept.
    if (properties && Object.keys(properties).length) throw new StructuralSchemaError(path, 'a preserved object declares no properties here');
    delete out.properties;
    delete out.additionalProperties;
    return;
  }
  if (properties) {
    out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toStructural(v, path ? `${path}.${k}` : k)]));
    if (extra !== undefined && extra !== false) throw new StructuralSchemaError(path, 'properties and additionalProperties together are not structural');
  } else if (extra && typeof extra === 'object') {
    out.additionalProperties = toStructural(extra as JsonSchema, `${path}.*`);
  }
}

function intOrString(out: JsonSchema, path: string): void {
  const branches = (out.anyOf ?? out.oneOf ?? []) as JsonSchema[];
  delete out.oneOf;
  delete out.type;
  const types = branches.map((b) => b.type).sort();
  if (branches.length && JSON.stringify(types) !== JSON.stringify(['integer', 'string'])) throw new StructuralSchemaError(path, 'int-or-string must be a union of an integer and a string');
  // Each validation keyword applies to one JSON type only (pattern to strings, minimum to numbers),
  // so the branches' validations can sit beside the anyOf, as controller-gen writes quantities.
  for (const b of branches) {
    for (const key of VALUE_VALIDATIONS) {
      if (b[key] === undefined) continue;
      if (b.type === 'integer' && (key === 'minimum' || key === 'maximum') && Math.abs(b[key] as number) >= Number.MAX_SAFE_INTEGER) continue;
      if (out[key] !== undefined) throw new StructuralSchemaError(path, `both branches set ${key}`);
      out[key] = b[key];
    }
  }
  out.anyOf = [{ type: 'integer' }, { type: 'string' }];
}
