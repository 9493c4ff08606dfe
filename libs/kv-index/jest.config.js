module.exports = { ...require('../../jest.preset.js'), displayName: 'kv-index', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
