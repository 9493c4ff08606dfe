// zod's OpenAPI output becomes a structural apiextensions/v1 schema: each rewrite, each refusal, and
// the invariants over every generated CRD.
import { z } from 'zod';
import { KINDS } from '../kinds';
import { crdManifests } from './crd-manifests';
import { JsonSchema, StructuralSchemaError, structuralSchema } from './structural-schema';

/** Every schema node of a tree, with its path. */
function* nodes(s: JsonSchema, path = ''): Generator<[string, JsonSchema]> {
  yield [path, s];
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) yield* nodes(v, `${path}.${k}`);
  if (s.items) yield* nodes(s.items as JsonSchema, `${path}[]`);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') yield* nodes(s.additionalProperties as JsonSchema, `${path}.*`);
}

describe('structuralSchema', () => {
  it('drops $schema and additionalProperties:false, keeps required, defaults and descriptions', () => {
    expect(structuralSchema(z.object({ a: z.string().describe('A.'), b: z.int().min(0).max(5).default(2) }).strict())).toEqual({
      type: 'object',
      properties: { a: { type: 'string', description: 'A.' }, b: { type: 'integer', minimum: 0, maximum: 5, default: 2 } },
      required: ['a'],
    });
  });

  it("drops zod's safe-integer bounds and keeps real ones", () => {
    expect(structuralSchema(z.int())).toEqual({ type: 'integer' });
    expect(structuralSchema(z.int().min(1))).toEqual({ type: 'integer', minimum: 1 });
  });

  it('writes records as additionalProperties', () => {
    expect(structuralSchema(z.record(z.string(), z.int()))).toEqual({ type: 'object', additionalProperties: { type: 'integer' } });
  });

  it('writes passthrough objects as x-kubernetes-preserve-unknown-fields', () => {
    expect(structuralSchema(z.object({}).passthrough().meta({ 'x-kubernetes-preserve-unknown-fields': true }))).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });

  it("writes int-or-string as the apiserver's anyOf, the branches' validations beside it", () => {
    const s = z.union([z.int().min(0), z.string().regex(/^a\/b$/)]).meta({ 'x-kubernetes-int-or-string': true });
    expect(structuralSchema(s)).toEqual({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], minimum: 0, pattern: '^a\\/b$' });
  });

  it('keeps CEL rules and list-map keys', () => {
    const s = z.array(z.object({ k: z.string() })).meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], 'x-kubernetes-validations': [{ rule: 'size(self) < 3', message: 'few' }] });
    expect(structuralSchema(s)).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], 'x-kubernetes-validations': [{ rule: 'size(self) < 3', message: 'few' }] });
  });

  it('writes date-times as the format alone (the apiserver checks it; zod keeps its own regex)', () => {
    expect(structuralSchema(z.iso.datetime({ offset: true }))).toEqual({ type: 'string', format: 'date-time' });
  });

  it.each<[string, z.ZodType, RegExp]>([
    ['a union that is not int-or-string', z.union([z.string(), z.boolean()]), /unions other than int-or-string/],
    ['an int-or-string that is not', z.union([z.string(), z.boolean()]).meta({ 'x-kubernetes-int-or-string': true }), /must be a union of an integer and a string/],
    ['a pattern RE2 cannot run', z.string().regex(/^(?!x)/), /RE2/],
    ['an untyped field', z.any(), /every field needs a type/],
    ['a null', z.string().nullable(), /unions other than int-or-string|unsupported keyword nullable/],
    ['properties beside a catchall', z.object({ a: z.string() }).catchall(z.string()), /properties and additionalProperties together/],
  ])('refuses %s', (_name, schema, message) => {
    expect(() => structuralSchema(schema)).toThrow(StructuralSchemaError);
    expect(() => structuralSchema(schema)).toThrow(message);
  });
});

/** The defaults (and prefaults) declared in a zod schema tree. */
function zodDefaults(schema: z.ZodType): number {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const inner = (s: unknown) => zodDefaults(s as z.ZodType);
  switch (def.type) {
    case 'default':
    case 'prefault':
      return 1 + inner(def.innerType);
    case 'optional':
    case 'nullable':
      return inner(def.innerType);
    case 'object':
      return Object.values(def.shape as Record<string, unknown>).reduce<number>((n, s) => n + inner(s), 0);
    case 'array':
      return inner(def.element);
    case 'record':
      return inner(def.valueType);
    case 'union':
      return (def.options as unknown[]).reduce<number>((n, s) => n + inner(s), 0);
    case 'pipe':
      return inner(def.in);
    default:
      return 0;
  }
}

describe('the generated CRDs', () => {
  const crds = crdManifests();

  it('one per kind: namespaced, one served and stored v1alpha1, category llmd, status on all and scale where KINDS says', () => {
    expect(crds.map((c) => c.metadata.name)).toEqual(KINDS.map((k) => `${k.plural}.llm-d.io`));
    for (const [i, c] of crds.entries()) {
      expect(c.spec.scope).toBe('Namespaced');
      expect(c.spec.names).toMatchObject({ kind: KINDS[i].kind, plural: KINDS[i].plural, shortNames: KINDS[i].shortNames, categories: ['llmd'] });
      expect(c.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, true]]);
      expect(c.spec.versions[0].subresources.status).toEqual({});
      expect(c.spec.versions[0].subresources.scale).toEqual(KINDS[i].scale);
    }
    expect(crds.filter((c) => c.spec.versions[0].subresources.scale).map((c) => c.spec.names.kind)).toEqual(['ServingPool']);
  });

  it.each(crds.map((c) => [c.spec.names.kind, c.spec.versions[0].schema.openAPIV3Schema]))('%s: structural at every node', (_kind, schema) => {
    expect((schema.properties as Record<string, unknown>).metadata).toEqual({ type: 'object' });
    for (const [path, node] of nodes(schema)) {
      expect([path, node.additionalProperties]).not.toEqual([path, false]);
      expect([path, Boolean(node.type || node['x-kubernetes-int-or-string'] || node['x-kubernetes-preserve-unknown-fields'])]).toEqual([path, true]);
      if (node.anyOf) expect([path, node.anyOf]).toEqual([path, [{ type: 'integer' }, { type: 'string' }]]);
      if (node.type === 'object' && node.properties) expect([path, node.additionalProperties]).toEqual([path, undefined]);
      for (const bound of ['minimum', 'maximum']) if (typeof node[bound] === 'number') expect(Math.abs(node[bound] as number)).toBeLessThan(Number.MAX_SAFE_INTEGER);
    }
  });

  it.each(KINDS.flatMap((k) => [[`${k.kind}.spec`, k.spec], [`${k.kind}.status`, k.status]] as const))('%s: keep every zod default', (_name, schema) => {
    const kept = [...nodes(structuralSchema(schema))].filter(([, n]) => n.default !== undefined).length;
    expect(kept).toBe(zodDefaults(schema));
  });

  it('describe every field of every kind (list items and map values are described by their list or map)', () => {
    const undocumented = crds.flatMap((c) => [...nodes(c.spec.versions[0].schema.openAPIV3Schema, c.spec.names.kind)].filter(([, n]) => !n.description).map(([p]) => p));
    expect(undocumented.filter((p) => !/(\.(apiVersion|kind|metadata)|\[\]|\.\*)$/.test(p))).toEqual([]);
  });
});
