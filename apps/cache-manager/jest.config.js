module.exports = { ...require('../../jest.preset.js'), displayName: 'cache-manager', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
