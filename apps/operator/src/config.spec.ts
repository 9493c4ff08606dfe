import { loadConfig } from '@llmd/platform';
import { OPERATOR_ENV, operatorConfigSchema } from './config';

describe('operator config', () => {
  it.each([
    [{}, { watchNamespaces: [], concurrency: 4 }],
    [{ LLMD_OPERATOR_WATCH_NAMESPACES: 'llm, prod-a' }, { watchNamespaces: ['llm', 'prod-a'] }],
    [{ LLMD_OPERATOR_CONCURRENCY: '8' }, { concurrency: 8 }],
  ])('%p', (env, expected) => {
    expect(loadConfig(operatorConfigSchema, { envMap: OPERATOR_ENV, env })).toMatchObject(expected);
  });

  it.each([
    [{ LLMD_OPERATOR_WATCH_NAMESPACES: 'Bad_NS' }, 'watchNamespaces.0'],
    [{ LLMD_OPERATOR_CONCURRENCY: '0' }, 'concurrency'],
    [{ LLMD_OPERATOR_OPS_PORT: '70000' }, 'ops.port'],
  ])('%p is refused naming %s', (env, field) => {
    expect(() => loadConfig(operatorConfigSchema, { envMap: OPERATOR_ENV, env })).toThrow(expect.objectContaining({ field }));
  });
});
