// Writes docs/openapi/<service>.json: each service's OpenAPI document, exactly as the service
// serves it at /docs/openapi.json, from the apps built into dist/ (no Postgres, no Kafka).
//   node tools/openapi/openapi-doc.cjs          writes the files
//   node tools/openapi/openapi-doc.cjs --check  fails when one is stale (each app's
//                                               src/app/openapi.spec.ts checks the same in jest)
require('reflect-metadata');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const SERVICES = ['orders', 'payments', 'notifications'];
const { openApiJson } = require(path.join(root, 'dist/libs/service/src/index.js'));

async function main() {
  const stale = [];
  fs.mkdirSync(path.join(root, 'docs/openapi'), { recursive: true });
  for (const service of SERVICES) {
    const { openApiDocument } = require(path.join(root, `dist/apps/${service}/src/app/openapi.js`));
    const content = openApiJson(await openApiDocument());
    const target = path.join(root, 'docs/openapi', `${service}.json`);
    if (process.argv.includes('--check')) {
      const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
      if (current !== content) stale.push(`docs/openapi/${service}.json`);
    } else {
      fs.writeFileSync(target, content);
      process.stdout.write(`wrote docs/openapi/${service}.json\n`);
    }
  }
  if (stale.length > 0) {
    process.stderr.write(
      `${stale.join(', ')} stale: run \`npm run docs:openapi\` and commit the result\n`,
    );
    process.exit(1);
  }
  if (process.argv.includes('--check')) process.stdout.write('docs/openapi/ is up to date\n');
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
