module.exports = { ...require('../../jest.preset.js'), displayName: 'gpu-cost', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
