// SchedulingPolicy -> the scheduler's `profile` (one of its shipped configurations) or an inline
// `picker` (EndpointPickerConfig: plugins, then profiles referencing them with weights).
//
//   strategy              unified deployments        any disaggregated deployment
//   cache-affinity        profile precise-prefix     profile pd
//   load-balanced         profile load-only          profile pd-load-only
//   latency-optimized     profile precise-prefix     profile pd     (no latency-predictor scorer ships)
//   throughput-optimized  profile precise-prefix     profile pd
//   (no policy)           profile precise-prefix     profile pd
//   plugins               picker: the plugins, plus serves-model/healthy filters, max-score picker and a
//                         profile handler when missing; P/D: decode and prefill profiles with role filters
import type { SchedulingPolicyObject } from './types';

export interface PickerPlugin {
  name: string;
  type: string;
  parameters?: Record<string, unknown>;
}
export interface EndpointPickerConfig {
  plugins: PickerPlugin[];
  schedulingProfiles: { name: string; plugins: { pluginRef: string; weight?: number }[] }[];
}
export type SchedulerPicking = { profile: string } | { picker: EndpointPickerConfig };

const PD_THRESHOLD = 512;

function refs(plugins: PickerPlugin[], weights: Record<string, number> = {}): { pluginRef: string; weight?: number }[] {
  return plugins.map((p) => (p.type.endsWith('-scorer') ? { pluginRef: p.name, weight: weights[p.name] ?? 1 } : { pluginRef: p.name }));
}

/** P/D around a given set of plugins: decode and prefill profiles, each behind its role filter. */
function pdPicker(plugins: PickerPlugin[], weights: Record<string, number> = {}): EndpointPickerConfig {
  const body = plugins.filter((p) => !p.type.endsWith('-profile-handler'));
  return {
    plugins: [
      ...body,
      { name: 'decode-role', type: 'role-filter', parameters: { roles: ['decode', 'both'] } },
      { name: 'prefill-role', type: 'role-filter', parameters: { roles: ['prefill', 'both'] } },
      { name: 'handler', type: 'pd-profile-handler', parameters: { threshold: PD_THRESHOLD } },
    ],
    schedulingProfiles: [
      { name: 'decode', plugins: [{ pluginRef: 'decode-role' }, ...refs(body, weights)] },
      { name: 'prefill', plugins: [{ pluginRef: 'prefill-role' }, ...refs(body, weights)] },
    ],
  };
}

function explicitPicker(policy: SchedulingPolicyObject, disaggregated: boolean): EndpointPickerConfig {
  const given: PickerPlugin[] = (policy.spec.plugins ?? []).map((p) => ({
    name: p.name ?? p.type,
    type: p.type,
    ...(p.parameters ? { parameters: p.parameters as Record<string, unknown> } : {}),
  }));
  const weights = Object.fromEntries((policy.spec.plugins ?? []).filter((p) => p.weight !== undefined).map((p) => [p.name ?? p.type, p.weight as number]));
  const has = (pred: (t: string) => boolean) => given.some((p) => pred(p.type));
  const plugins: PickerPlugin[] = [];
  if (!has((t) => t === 'serves-model-filter')) plugins.push({ name: 'serves-model', type: 'serves-model-filter' });
  if (!has((t) => t === 'healthy-filter')) plugins.push({ name: 'healthy', type: 'healthy-filter' });
  plugins.push(...given.filter((p) => !p.type.endsWith('-picker') && !p.type.endsWith('-profile-handler')));
  plugins.push(...(has((t) => t.endsWith('-picker')) ? given.filter((p) => p.type.endsWith('-picker')) : [{ name: 'picker', type: 'max-score-picker' }]));
  const handler = given.find((p) => p.type.endsWith('-profile-handler'));
  if (disaggregated && (!handler || handler.type === 'pd-profile-handler')) return pdPicker(plugins, weights);
  return {
    plugins: [...plugins, handler ?? { name: 'handler', type: 'single-profile-handler' }],
    schedulingProfiles: [{ name: 'default', plugins: refs(plugins, weights) }],
  };
}

/** What the scheduler is configured with for a policy, given whether any served deployment is P/D. */
export function schedulerPicking(policy: SchedulingPolicyObject | undefined, disaggregated: boolean): SchedulerPicking {
  if (policy?.spec.plugins) return { picker: explicitPicker(policy, disaggregated) };
  const strategy = policy?.spec.strategy;
  if (strategy === 'load-balanced') return { profile: disaggregated ? 'pd-load-only' : 'load-only' };
  return { profile: disaggregated ? 'pd' : 'precise-prefix' };
}
