// values.schema.json of a service chart: the chart's own keys and `config`, the service's zod config
// schema as JSON Schema (draft 7, which every Helm 3 reads) on its input side, so `helm install`
// refuses what the service would refuse at start, naming the field. Two things are stricter than
// the app: unknown keys are refused (the app drops them silently, so a typo would go unnoticed), and
// zod's refinements (e.g. ingest.heartbeatIntervalMs <= sessionTimeoutMs / 3) are not expressible
// here and are left to the app's own check at start.
import { z } from 'zod';
import type { ChartService } from './services';

export type JsonSchema = { [key: string]: unknown };

function toJson(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** Closes objects (unknown keys refused) and drops zod's safe-integer bounds, recursively. */
export function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'default' || key === 'enum' || key === 'const') out[key] = value;
    else out[key] = tidy(value);
  }
  if ((out.maximum === Number.MAX_SAFE_INTEGER || out.maximum === 9007199254740991) && (out.type === 'integer' || out.type === 'number')) delete out.maximum;
  if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.type === 'object') delete out.propertyNames; // records keyed by plain strings
  return out;
}

function dropDefaults(config: JsonSchema, paths: string[]): void {
  for (const path of paths) {
    let node: JsonSchema | undefined = config;
    const keys = path.split('.');
    keys.forEach((key, i) => {
      node = (node?.properties as Record<string, JsonSchema> | undefined)?.[key];
      // An object's own default holds its children's: drop the per-process one from it too.
      let dflt: unknown = node?.default;
      for (const k of keys.slice(i + 1, -1)) dflt = dflt && typeof dflt === 'object' ? (dflt as JsonSchema)[k] : undefined;
      if (i < keys.length - 1 && dflt && typeof dflt === 'object') delete (dflt as JsonSchema)[keys[keys.length - 1]];
    });
    if (node) {
      delete node.default;
      node.description = 'Computed per process when unset (see the service\'s config).';
    }
  }
}

export function valuesSchema(service: ChartService): JsonSchema {
  const chart = toJson(service.chartSchema);
  const config = toJson(service.configSchema);
  dropDefaults(config, service.perProcessDefaults);
  config.description = service.configDoc ?? `The ${service.name}'s YAML config (LLMD_CONFIG), its own keys: rendered verbatim into the mounted file.`;
  const properties = {
    ...(chart.properties as Record<string, JsonSchema>),
    config,
    // Helm hands a parent chart's globals to every subchart.
    global: { type: 'object', description: 'Helm globals (unused).' },
  };
  return tidy({
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `llmd ${service.name} chart values`,
    type: 'object',
    properties,
    required: [...(chart.required as string[]), 'config'],
  }) as JsonSchema;
}
