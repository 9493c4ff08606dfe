module.exports = { ...require('../../jest.preset.js'), displayName: 'helm-gen', rootDir: __dirname, testMatch: ['<rootDir>/**/*.spec.ts'] };
