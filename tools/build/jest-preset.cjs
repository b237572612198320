// Shared jest settings: @swc/jest with the build's SWC options, and the tsconfig path aliases.
const path = require('node:path');
const { swcOptions, root } = require('./swc-options.cjs');
const { compilerOptions } = require('../../tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    path.join(root, target),
  ]),
);

const ESM_ONLY_PACKAGES = ['content-disposition'];

function jestProject(projectDir, overrides = {}) {
  const name = path.relative(root, projectDir);
  return {
    displayName: name,
    rootDir: projectDir,
    testEnvironment: 'node',
    transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swcOptions(), swcrc: false }] },
    // ES-module-only dependencies that jest (unlike Node 20.19+) cannot require: compile them.
    transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper,
    testMatch: ['<rootDir>/src/**/*.spec.ts'],
    setupFilesAfterEnv: [path.join(__dirname, 'jest-timeout.cjs')],
    ...overrides,
  };
}

module.exports = { jestProject };
