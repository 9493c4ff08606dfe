module.exports = { ...require('../../jest.preset.js'), displayName: 'controller-kit', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
