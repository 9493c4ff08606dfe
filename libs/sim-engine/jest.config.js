module.exports = { ...require('../../jest.preset.js'), displayName: 'sim-engine', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
