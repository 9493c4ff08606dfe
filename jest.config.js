// Unit and integration tests of every project; the end-to-end suite runs on its own (tests/jest.config.js).
module.exports = {
  projects: [
    '<rootDir>/libs/proto', '<rootDir>/libs/platform', '<rootDir>/libs/telemetry', '<rootDir>/libs/openai', '<rootDir>/libs/scoring', '<rootDir>/libs/sim-engine', '<rootDir>/libs/gpu-cost', '<rootDir>/libs/autoscaling', '<rootDir>/libs/prefix-hash', '<rootDir>/libs/kv-index', '<rootDir>/libs/tokenizer', '<rootDir>/libs/crd-types', '<rootDir>/libs/controller-kit', '<rootDir>/libs/manifests',
    '<rootDir>/apps/gateway', '<rootDir>/apps/scheduler', '<rootDir>/apps/cache-manager', '<rootDir>/apps/autoscaler',
    '<rootDir>/apps/operator', '<rootDir>/apps/vllm-sim', '<rootDir>/tools/cli', '<rootDir>/tools/bench', '<rootDir>/tools/helm-gen', '<rootDir>/tests/lint',
  ],
};
