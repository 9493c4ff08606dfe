module.exports = { ...require('../../jest.preset.js'), displayName: 'vllm-sim', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
