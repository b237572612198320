const { jestProject } = require('../../tools/build/jest-preset.cjs');

module.exports = jestProject(__dirname);
