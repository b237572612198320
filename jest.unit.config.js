// The unit tier: `npm run test:unit`. Every project's `*.spec.ts` except `*.int.spec.ts` (real
// Postgres and Kafka) and `*.e2e.spec.ts` (services as processes), with no build and no
// infrastructure. tools/test/unit-tier.cjs points DATABASE_URL and KAFKA_BROKERS at a closed
// port, so a unit test that needs either fails at once instead of using whatever happens to run.
const fs = require('node:fs');
const path = require('node:path');

const projectConfigs = [
  ...['libs', 'apps'].flatMap((dir) =>
    fs
      .readdirSync(path.join(__dirname, dir))
      .map((name) => path.join(__dirname, dir, name, 'jest.config.js'))
      .filter((file) => fs.existsSync(file)),
  ),
  path.join(__dirname, 'tools/jest.config.js'),
];

module.exports = {
  projects: projectConfigs.map((file) => {
    const project = require(file);
    return {
      ...project,
      testPathIgnorePatterns: ['/node_modules/', '\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$'],
      setupFilesAfterEnv: [
        ...(project.setupFilesAfterEnv ?? []),
        path.join(__dirname, 'tools/test/unit-tier.cjs'),
      ],
    };
  }),
};
