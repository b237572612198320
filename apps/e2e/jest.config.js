const { jestProject } = require('../../tools/build/jest-preset.cjs');

// Real processes, a real broker and a real database: minutes-scale timeouts, set per test file
// in jest.setup.ts (testTimeout is a global option that a project config cannot set).
module.exports = jestProject(__dirname, {
  testMatch: ['<rootDir>/src/**/*.e2e.spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/jest.setup.ts'],
});
