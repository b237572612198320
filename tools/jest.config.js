// The tools' own tests (plain CommonJS `*.spec.cjs`: tools/ is JavaScript run by node, with no
// tsconfig to type-check a `.ts` test against). Part of `npm test` and of the unit tier.
const { jestProject } = require('./build/jest-preset.cjs');

module.exports = jestProject(__dirname, {
  displayName: 'tools',
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  testMatch: ['<rootDir>/**/*.spec.cjs'],
});
