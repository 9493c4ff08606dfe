module.exports = { ...require('../../jest.preset.js'), displayName: 'autoscaling', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
