// The scheduling config used when none is given: model filter, queue-depth scorer, max-score picker.
import type { EndpointPickerConfig } from '../framework';

export const DEFAULT_ENDPOINT_PICKER_CONFIG: EndpointPickerConfig = {
  plugins: [
    { name: 'serves-model', type: 'serves-model-filter' },
    { name: 'queue', type: 'queue-depth-scorer' },
    { name: 'picker', type: 'max-score-picker' },
    { name: 'handler', type: 'single-profile-handler' },
  ],
  schedulingProfiles: [
    {
      name: 'default',
      plugins: [{ pluginRef: 'serves-model' }, { pluginRef: 'queue', weight: 1 }, { pluginRef: 'picker' }],
    },
  ],
};
