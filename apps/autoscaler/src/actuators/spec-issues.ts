// A pool's spec.autoscaling, parsed; what is wrong with it as one line naming each field.
import type { z } from 'zod';
import { autoscalingSpec, AutoscalingSpec } from '@llmd/crd-types';

export function issuesLine(error: z.ZodError, prefix: string): string {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`).join('; ');
}

/** The parsed spec, or the reason it is invalid (fields named from `prefix`, e.g. spec.autoscaling). */
export function parseAutoscaling(raw: unknown, prefix: string): { spec: AutoscalingSpec } | { invalid: string } {
  const parsed = autoscalingSpec.safeParse(raw);
  return parsed.success ? { spec: parsed.data } : { invalid: issuesLine(parsed.error, prefix) };
}
