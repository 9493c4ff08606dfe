// Object defaults in these schemas are zod prefaults (the value is parsed, so the defaults inside it
// apply), as the apiserver applies a default and then the defaults inside it; zod's toJSONSchema
// also drops a plain .default() from the input side of a schema holding a transform (a quantity).
//
// CEL validation rules written once for both validators: the CRD carries the rule as
// x-kubernetes-validations (the apiserver evaluates it) and zod evaluates the same predicate, written
// in TypeScript beside it, with the same message. Zod runs the check after defaults, as the apiserver
// runs CEL after defaulting.
import { z } from 'zod';

export interface CelRule<T> {
  /** The CEL expression, over `self` (the object after defaulting). */
  rule: string;
  /** What the apiserver and zod both report when the rule fails. */
  message: string;
  /** The same predicate in TypeScript: true when the object is valid. */
  holds: (self: T) => boolean;
}

/** Attaches CEL rules to an object schema: as CRD metadata and as zod refinements. */
export function withRules<S extends z.ZodType>(schema: S, rules: CelRule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const r of rules) if (!r.holds(value)) ctx.addIssue({ code: 'custom', message: r.message, input: value });
  }) as S;
  return refined.meta({ 'x-kubernetes-validations': rules.map(({ rule, message }) => ({ rule, message })) }) as S;
}

/**
 * A list whose items are unique by `key` (x-kubernetes-list-type: map, so server-side apply merges
 * items by key): the apiserver refuses a duplicate with "Duplicate value", and so does zod.
 */
export function listMap<S extends z.ZodArray>(schema: S, key: string): S {
  const refined = schema.superRefine((items, ctx) => {
    const seen = new Set<unknown>();
    (items as Record<string, unknown>[]).forEach((item, i) => {
      if (seen.has(item[key])) ctx.addIssue({ code: 'custom', message: `Duplicate value: ${key} ${JSON.stringify(item[key])}`, path: [i], input: item });
      seen.add(item[key]);
    });
  }) as S;
  return refined.meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] }) as S;
}
