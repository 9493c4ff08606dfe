// The scheduling configurations llmd ships: load-only, approximate prefix + load (the Gateway API
// Inference Extension's default), precise prefix + load (llm-d's), and P/D on top of precise prefix.
import type { EndpointPickerConfig } from '../framework';

const LOAD_PLUGINS: EndpointPickerConfig['plugins'] = [
  { name: 'serves-model', type: 'serves-model-filter' },
  { name: 'healthy', type: 'healthy-filter' },
  { name: 'saturation', type: 'saturation-filter' },
  { name: 'queue', type: 'queue-depth-scorer' },
  { name: 'kv-cache', type: 'kv-cache-utilization-scorer' },
  { name: 'in-flight', type: 'in-flight-scorer' },
  { name: 'prefill-load', type: 'prefill-load-scorer' },
  { name: 'lora', type: 'lora-affinity-scorer' },
  { name: 'picker', type: 'max-score-picker' },
];

const LOAD_REFS = [
  { pluginRef: 'serves-model' },
  { pluginRef: 'healthy' },
  { pluginRef: 'saturation' },
  { pluginRef: 'queue', weight: 1 },
  { pluginRef: 'kv-cache', weight: 1 },
  { pluginRef: 'in-flight', weight: 1 },
  // The prefill work queued ahead of the first token: without it, affinity and the scraped load sent
  // requests behind other pods' prefills (low-reuse TTFT p90 up to 1.8x round-robin's). Weight 1
  // holds the tail as 2 did and keeps 2-3% more of the saturated shared-prefix throughput.
  { pluginRef: 'prefill-load', weight: 1 },
  { pluginRef: 'lora', weight: 1 },
  { pluginRef: 'picker' },
];

/** Baselines for routing studies: the serving filters, then a picker that ignores every score. */
function baseline(picker: 'random-picker' | 'round-robin-picker'): EndpointPickerConfig {
  return {
    plugins: [{ name: 'serves-model', type: 'serves-model-filter' }, { name: 'healthy', type: 'healthy-filter' }, { name: 'picker', type: picker }, { name: 'handler', type: 'single-profile-handler' }],
    schedulingProfiles: [{ name: 'default', plugins: [{ pluginRef: 'serves-model' }, { pluginRef: 'healthy' }, { pluginRef: 'picker' }] }],
  };
}

export const RANDOM_CONFIG = baseline('random-picker');
export const ROUND_ROBIN_CONFIG = baseline('round-robin-picker');

export const LOAD_ONLY_CONFIG: EndpointPickerConfig = {
  plugins: [...LOAD_PLUGINS, { name: 'handler', type: 'single-profile-handler' }],
  schedulingProfiles: [{ name: 'default', plugins: LOAD_REFS }],
};

export const APPROX_PREFIX_CONFIG: EndpointPickerConfig = {
  plugins: [...LOAD_PLUGINS, { name: 'prefix', type: 'approx-prefix-cache-scorer' }, { name: 'handler', type: 'single-profile-handler' }],
  schedulingProfiles: [{ name: 'default', plugins: [...LOAD_REFS, { pluginRef: 'prefix', weight: 2 }] }],
};

export const PRECISE_PREFIX_CONFIG: EndpointPickerConfig = {
  plugins: [...LOAD_PLUGINS, { name: 'prefix', type: 'precise-prefix-cache-scorer' }, { name: 'handler', type: 'single-profile-handler' }],
  schedulingProfiles: [{ name: 'default', plugins: [...LOAD_REFS, { pluginRef: 'prefix', weight: 3 }] }],
};

/** P/D: decode and prefill profiles behind their role filters, over the load plugins and, when given, a prefix scorer. */
function pdConfig(prefix: 'precise-prefix-cache-scorer' | undefined): EndpointPickerConfig {
  const prefixPlugins = prefix ? [{ name: 'prefix', type: prefix }] : [];
  const prefixRefs = prefix ? [{ pluginRef: 'prefix', weight: 3 }] : [];
  return {
    plugins: [
      ...LOAD_PLUGINS,
      ...prefixPlugins,
      { name: 'decode-role', type: 'role-filter', parameters: { roles: ['decode', 'both'] } },
      { name: 'prefill-role', type: 'role-filter', parameters: { roles: ['prefill', 'both'] } },
      { name: 'prefill-saturation', type: 'saturation-filter', parameters: { keepAllWhenSaturated: false } },
      { name: 'handler', type: 'pd-profile-handler', parameters: { threshold: 512 } },
    ],
    schedulingProfiles: [
      { name: 'decode', plugins: [{ pluginRef: 'decode-role' }, ...LOAD_REFS, ...prefixRefs] },
      { name: 'prefill', plugins: [{ pluginRef: 'prefill-role' }, { pluginRef: 'prefill-saturation' }, ...LOAD_REFS, ...prefixRefs] },
    ],
  };
}

export const PD_CONFIG = pdConfig('precise-prefix-cache-scorer');
/** P/D on load alone (no prefix scorer): what the operator's load-balanced strategy means for a disaggregated model. */
export const PD_LOAD_ONLY_CONFIG = pdConfig(undefined);

/** The shipped configurations by name (the scheduler's `profile` setting). */
export const SHIPPED_CONFIGS: Readonly<Record<string, EndpointPickerConfig>> = {
  random: RANDOM_CONFIG,
  'round-robin': ROUND_ROBIN_CONFIG,
  'load-only': LOAD_ONLY_CONFIG,
  'approx-prefix': APPROX_PREFIX_CONFIG,
  'precise-prefix': PRECISE_PREFIX_CONFIG,
  pd: PD_CONFIG,
  'pd-load-only': PD_LOAD_ONLY_CONFIG,
};

/** The default: precise prefix + load, falling back to the approximate index when cache-manager cannot answer. */
export const DEFAULT_ENDPOINT_PICKER_CONFIG = PRECISE_PREFIX_CONFIG;
