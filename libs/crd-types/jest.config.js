module.exports = { ...require('../../jest.preset.js'), displayName: 'crd-types', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
