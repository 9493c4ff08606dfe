module.exports = { ...require('../../jest.preset.js'), displayName: 'llmd-cli', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
