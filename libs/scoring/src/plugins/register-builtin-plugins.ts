// The one explicit list of llmd's built-in scheduling plugins.
import type { PluginRegistry } from '../framework';
import { healthyFilterDescriptor } from './filter/healthy/healthy.filter';
import { prefixAffinityFilterDescriptor } from './filter/prefix-affinity/prefix-affinity.filter';
import { roleFilterDescriptor } from './filter/role/role.filter';
import { saturationFilterDescriptor } from './filter/saturation/saturation.filter';
import { servesModelFilterDescriptor } from './filter/serves-model/serves-model.filter';
import { maxScorePickerDescriptor } from './picker/max-score/max-score.picker';
import { topKPickerDescriptor } from './picker/top-k/top-k.picker';
import { weightedRandomPickerDescriptor } from './picker/weighted-random/weighted-random.picker';
import { randomPickerDescriptor } from './picker/random/random.picker';
import { roundRobinPickerDescriptor } from './picker/round-robin/round-robin.picker';
import { pdProfileHandlerDescriptor } from './profile/pd/pd.profile-handler';
import { singleProfileHandlerDescriptor } from './profile/single/single.profile-handler';
import { approxPrefixCacheScorerDescriptor } from './scorer/approx-prefix-cache/approx-prefix-cache.scorer';
import { inFlightScorerDescriptor } from './scorer/in-flight/in-flight.scorer';
import { kvCacheUtilizationScorerDescriptor } from './scorer/kv-cache-utilization/kv-cache-utilization.scorer';
import { loraAffinityScorerDescriptor } from './scorer/lora-affinity/lora-affinity.scorer';
import { noHitLruScorerDescriptor } from './scorer/no-hit-lru/no-hit-lru.scorer';
import { precisePrefixCacheScorerDescriptor } from './scorer/precise-prefix-cache/precise-prefix-cache.scorer';
import { prefillLoadScorerDescriptor } from './scorer/prefill-load/prefill-load.scorer';
import { predictedLatencyScorerDescriptor } from './scorer/predicted-latency/predicted-latency.scorer';
import { queueDepthScorerDescriptor } from './scorer/queue-depth/queue-depth.scorer';
import { runningRequestsScorerDescriptor } from './scorer/running-requests/running-requests.scorer';
import { sessionAffinityScorerDescriptor } from './scorer/session-affinity/session-affinity.scorer';
import { tokenLoadScorerDescriptor } from './scorer/token-load/token-load.scorer';

export function registerBuiltinPlugins(registry: PluginRegistry): PluginRegistry {
  return (
    registry
      // filters
      .register(servesModelFilterDescriptor)
      .register(roleFilterDescriptor)
      .register(healthyFilterDescriptor)
      .register(saturationFilterDescriptor)
      .register(prefixAffinityFilterDescriptor)
      // scorers
      .register(queueDepthScorerDescriptor)
      .register(kvCacheUtilizationScorerDescriptor)
      .register(runningRequestsScorerDescriptor)
      .register(inFlightScorerDescriptor)
      .register(tokenLoadScorerDescriptor)
      .register(prefillLoadScorerDescriptor)
      .register(approxPrefixCacheScorerDescriptor)
      .register(precisePrefixCacheScorerDescriptor)
      .register(sessionAffinityScorerDescriptor)
      .register(loraAffinityScorerDescriptor)
      .register(noHitLruScorerDescriptor)
      .register(predictedLatencyScorerDescriptor)
      // pickers
      .register(maxScorePickerDescriptor)
      .register(weightedRandomPickerDescriptor)
      .register(randomPickerDescriptor)
      .register(roundRobinPickerDescriptor)
      .register(topKPickerDescriptor)
      // profile handlers
      .register(singleProfileHandlerDescriptor)
      .register(pdProfileHandlerDescriptor)
  );
}
