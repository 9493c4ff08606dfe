module.exports = { ...require('../../jest.preset.js'), displayName: 'operator', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
