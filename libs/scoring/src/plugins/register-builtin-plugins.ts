// The one explicit list of llmd's built-in scheduling plugins.
import type { PluginRegistry } from '../framework';
import { servesModelFilterDescriptor } from './filter/serves-model/serves-model.filter';
import { maxScorePickerDescriptor } from './picker/max-score/max-score.picker';
import { singleProfileHandlerDescriptor } from './profile/single/single.profile-handler';
import { queueDepthScorerDescriptor } from './scorer/queue-depth/queue-depth.scorer';

export function registerBuiltinPlugins(registry: PluginRegistry): PluginRegistry {
  return registry
    .register(servesModelFilterDescriptor)
    .register(queueDepthScorerDescriptor)
    .register(maxScorePickerDescriptor)
    .register(singleProfileHandlerDescriptor);
}
