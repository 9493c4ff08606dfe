module.exports = { ...require('../../jest.preset.js'), displayName: 'lint', rootDir: __dirname, testMatch: ['<rootDir>/**/*.spec.ts'], testTimeout: 60000 };
