import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { ServesModelFilter } from './serves-model.filter';

describe('ServesModelFilter', () => {
  const endpoints = [
    makeEndpoint('a').models('llama').build(),
    makeEndpoint('b').models('llama').lora('sql-adapter').build(),
    makeEndpoint('c').models('qwen').build(),
  ];

  it.each([
    ['llama', ['a', 'b']],
    ['sql-adapter', ['b']],
    ['qwen', ['c']],
    ['mistral', []],
  ])('model %s -> %p', (model, ids) => {
    const kept = new ServesModelFilter('f').filter(new CycleState(), makeRequest({ model }), endpoints);
    expect(kept.map((e) => e.id)).toEqual(ids);
  });
});
