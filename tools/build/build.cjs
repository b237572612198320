// Compiles one project's TypeScript sources into dist/<project root>, keeping the tree,
// so relative requires between apps/ and libs/ line up in dist/ as they do in the source.
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');
const { swcOptions, root } = require('./swc-options.cjs');

const projectRoot = process.argv[2];
if (!projectRoot) {
  process.stderr.write('usage: node tools/build/build.cjs <project root, e.g. apps/orders>\n');
  process.exit(2);
}

/** Files a service reads at run time beside its code (templates, stylesheets): copied as they are. */
const ASSET = /\.(eta|css)$/;

function assetsUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return assetsUnder(full);
    return ASSET.test(entry.name) ? [full] : [];
  });
}

function sourcesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    const isSource = entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts');
    const testOnly = entry.name.endsWith('.spec.ts') || entry.name.endsWith('.test-helper.ts');
    return isSource && !testOnly ? [full] : [];
  });
}

async function main() {
  const srcDir = path.join(root, projectRoot, 'src');
  const files = sourcesUnder(srcDir);
  await Promise.all(
    files.map(async (file) => {
      const rel = path.relative(root, file);
      const out = path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
      const { code, map } = await swc.transformFile(file, {
        ...swcOptions(),
        filename: file,
        sourceFileName: path.relative(path.dirname(out), file),
      });
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${code}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
      if (map) fs.writeFileSync(`${out}.map`, map);
    }),
  );
  const assets = assetsUnder(srcDir);
  for (const file of assets) {
    const out = path.join(root, 'dist', path.relative(root, file));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.copyFileSync(file, out);
  }
  process.stdout.write(
    `built ${files.length} files and copied ${assets.length} assets of ${projectRoot} into dist/${projectRoot}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
