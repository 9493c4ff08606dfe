// Every built-in scorer, as registered, keeps the shared scorer contract.
import { isScorer, PluginRegistry, Scorer } from '../framework';
import { describeScorerContract, linearCostModels, seededRandom } from '../testing';
import { registerBuiltinPlugins } from './register-builtin-plugins';

const registry = registerBuiltinPlugins(new PluginRegistry());
const scorerTypes = registry.types().filter((t) => t.endsWith('-scorer'));

it('registers the scorers this suite covers', () => {
  expect(scorerTypes.length).toBeGreaterThanOrEqual(11);
});

for (const type of scorerTypes) {
  describeScorerContract(type, () => {
    const plugin = registry.create('plugins.0', type, type, {}, { random: seededRandom(1), now: () => 1000, costModels: linearCostModels() });
    if (!isScorer(plugin)) throw new Error(`${type} is not a scorer`);
    return plugin as Scorer;
  });
}
