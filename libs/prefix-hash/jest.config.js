module.exports = { ...require('../../jest.preset.js'), displayName: 'prefix-hash', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
