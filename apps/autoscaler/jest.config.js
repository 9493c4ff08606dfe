module.exports = { ...require('../../jest.preset.js'), displayName: 'autoscaler', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
