// One SWC configuration for the build and for jest, so tests run the code the build ships.
// SWC (not tsc) emits: it keeps NestJS's decorator metadata and rewrites the
// @switchyard/* path aliases into relative requires, so dist/ runs with plain `node`.
const path = require('node:path');
const { compilerOptions } = require('../../tsconfig.base.json');

const root = path.resolve(__dirname, '../..');

function swcOptions() {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths: compilerOptions.paths,
    },
    module: { type: 'commonjs', strictMode: true },
    sourceMaps: true,
  };
}

module.exports = { swcOptions, root };
