import { makeEndpoint } from '../../../testing';
import { adapterTarget } from './adapter-target';

describe('adapterTarget', () => {
  const base = makeEndpoint('a').models('llama').build();
  const withSql = makeEndpoint('b').models('llama').lora('sql').build();
  const other = makeEndpoint('c').models('qwen').lora('chat').build();

  it.each([
    ['a base model', 'llama', [base, withSql], { model: 'llama' }],
    ['an adapter, keyed by its name on its base model', 'sql', [base, withSql, other], { model: 'llama', lora: 'sql' }],
    ['an adapter of another base model', 'chat', [withSql, other], { model: 'qwen', lora: 'chat' }],
    ['a name some endpoint serves as a base model and another as an adapter', 'sql', [withSql, makeEndpoint('d').models('sql').build()], { model: 'sql' }],
    ['an unknown name', 'nope', [base, withSql], { model: 'nope' }],
    ['no endpoints', 'sql', [], { model: 'sql' }],
  ])('%s', (_name, model, endpoints, expected) => {
    expect(adapterTarget(model, endpoints)).toEqual(expected);
  });
});
