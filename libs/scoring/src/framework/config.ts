// The declarative scheduling config, in the shape of llm-d's EndpointPickerConfig, and its validation
// into runnable profiles.
import { z } from 'zod';
import { Filter, isFilter, isPicker, isProfileHandler, isScorer, Picker, ProfileHandler, Scorer } from './plugin';
import type { PluginDeps, PluginRegistry } from './registry';
import { SchedulingConfigError } from './scheduling-error';

export const endpointPickerConfigSchema = z.object({
  plugins: z
    .array(z.object({ name: z.string().min(1).optional(), type: z.string().min(1), parameters: z.record(z.string(), z.unknown()).optional() }))
    .min(1),
  schedulingProfiles: z
    .array(
      z.object({
        name: z.string().min(1),
        plugins: z.array(z.object({ pluginRef: z.string().min(1), weight: z.number().nonnegative().optional() })).min(1),
      }),
    )
    .min(1),
});

export type EndpointPickerConfig = z.infer<typeof endpointPickerConfigSchema>;

export interface WeightedScorer {
  scorer: Scorer;
  weight: number;
}

export interface SchedulingProfile {
  name: string;
  filters: Filter[];
  scorers: WeightedScorer[];
  picker: Picker;
}

export interface SchedulingPipeline {
  handler: ProfileHandler;
  profiles: ReadonlyMap<string, SchedulingProfile>;
}

/** Validates the raw config and builds its plugins; throws SchedulingConfigError naming the bad field. */
export function buildPipeline(raw: unknown, registry: PluginRegistry, deps: PluginDeps): SchedulingPipeline {
  const parsed = endpointPickerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SchedulingConfigError(issue.path.map(String).join('.') || '(root)', issue.message);
  }
  const config = parsed.data;
  const instances = new Map<string, ReturnType<PluginRegistry['create']>>();
  config.plugins.forEach((p, i) => {
    const name = p.name ?? p.type;
    if (instances.has(name)) throw new SchedulingConfigError(`plugins.${i}.name`, `duplicate plugin name "${name}"`);
    instances.set(name, registry.create(`plugins.${i}`, p.type, name, p.parameters, deps));
  });

  const handlers = [...instances.values()].filter(isProfileHandler);
  if (handlers.length !== 1) throw new SchedulingConfigError('plugins', `exactly one profile handler is required, found ${handlers.length}`);

  const profiles = new Map<string, SchedulingProfile>();
  config.schedulingProfiles.forEach((sp, i) => {
    if (profiles.has(sp.name)) throw new SchedulingConfigError(`schedulingProfiles.${i}.name`, `duplicate profile "${sp.name}"`);
    const profile: SchedulingProfile = { name: sp.name, filters: [], scorers: [], picker: undefined as unknown as Picker };
    sp.plugins.forEach((ref, j) => {
      const field = `schedulingProfiles.${i}.plugins.${j}`;
      const plugin = instances.get(ref.pluginRef);
      if (!plugin) throw new SchedulingConfigError(`${field}.pluginRef`, `no plugin named "${ref.pluginRef}"`);
      if (isScorer(plugin)) profile.scorers.push({ scorer: plugin, weight: ref.weight ?? 1 });
      else if (isFilter(plugin)) profile.filters.push(plugin);
      else if (isPicker(plugin)) {
        if (profile.picker) throw new SchedulingConfigError(`${field}.pluginRef`, 'a profile takes one picker');
        profile.picker = plugin;
      } else throw new SchedulingConfigError(`${field}.pluginRef`, `"${ref.pluginRef}" cannot be used in a profile`);
    });
    if (!profile.picker) throw new SchedulingConfigError(`schedulingProfiles.${i}.plugins`, 'a profile needs a picker');
    profiles.set(sp.name, profile);
  });
  return { handler: handlers[0], profiles };
}
