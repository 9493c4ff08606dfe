// Lint for the whole workspace. The module-boundary constraints below are the design's
// dependency arrows (apps -> platform -> domain -> generated), written out in full.
import nx from '@nx/eslint-plugin';

const NODE_IO = ['@nestjs/*', '@grpc/*', 'kafkajs', 'undici', 'fastify', 'pino', 'prom-client', '@opentelemetry/*', 'node:fs', 'fs', 'node:net', 'net', 'node:http', 'http', 'node:child_process', 'child_process'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', 'libs/proto/src/gen/**', '.llmd/**', 'tmp/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Deployables: may use platform wrappers, domain libs and generated contracts; never another app.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:platform', 'type:domain', 'type:generated'] },
            // Infrastructure modules: wrap I/O for apps; may use domain libs and generated contracts.
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:domain', 'type:generated'] },
            // Domain libs: decisions over plain data; may use other domain libs and (telemetry codecs) generated code.
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:generated'] },
            // Pure domain libs do no I/O and never see wire types.
            { sourceTag: 'purity:pure', onlyDependOnLibsWithTags: ['purity:pure'], bannedExternalImports: NODE_IO },
            // Generated code depends on nothing of ours.
            { sourceTag: 'type:generated', onlyDependOnLibsWithTags: [] },
            // Tools (the llmd CLI, bench) and end-to-end tests drive the system from outside.
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:platform', 'type:domain', 'type:generated', 'type:tool'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:platform', 'type:domain', 'type:generated', 'type:tool'] },
            // Scopes: what each deployable may ship. Shared libs serve everyone; a service's own scope
            // serves it alone. The scheduler must not ship the simulator (scope:sim): the latency
            // predictor takes the measured tables (scope:shared) through an interface instead.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:scheduler', onlyDependOnLibsWithTags: ['scope:scheduler', 'scope:shared'] },
            { sourceTag: 'scope:cache', onlyDependOnLibsWithTags: ['scope:cache', 'scope:shared'] },
            { sourceTag: 'scope:cache-manager', onlyDependOnLibsWithTags: ['scope:cache-manager', 'scope:cache', 'scope:shared'] },
            { sourceTag: 'scope:sim', onlyDependOnLibsWithTags: ['scope:sim', 'scope:shared'] },
            { sourceTag: 'scope:vllm-sim', onlyDependOnLibsWithTags: ['scope:vllm-sim', 'scope:sim', 'scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
            { sourceTag: 'scope:autoscaler', onlyDependOnLibsWithTags: ['scope:autoscaler', 'scope:shared'] },
            { sourceTag: 'scope:operator', onlyDependOnLibsWithTags: ['scope:operator', 'scope:shared'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:tools', 'scope:shared'] },
            // The routing study runs the apps' own policies over the simulated engine: it may use every domain scope.
            { sourceTag: 'scope:bench', onlyDependOnLibsWithTags: ['scope:bench', 'scope:tools', 'scope:scheduler', 'scope:cache', 'scope:sim', 'scope:shared'] },
            { sourceTag: 'scope:tests', onlyDependOnLibsWithTags: ['scope:tests', 'scope:operator', 'scope:bench', 'scope:tools', 'scope:scheduler', 'scope:cache', 'scope:sim', 'scope:shared'] },
          ],
        },
      ],
    },
  },
  {
    // Tests may assert presence with `!` after checking it.
    files: ['**/*.spec.ts', 'tests/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
