module.exports = { ...require('../../jest.preset.js'), displayName: 'openai', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
