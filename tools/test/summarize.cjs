// Prints "N passed, N failed" from jest's --json output, plus, when a second file is given, the
// benchmark regression guard's verdict (tools/bench/guard.mjs writes it: each guarded ratio and
// each benchmark run is one check); exits 1 when a test or check failed, a suite failed to run,
// the guard left no verdict, or no test ran at all.
const fs = require('node:fs');

const [file, guardFile] = process.argv.slice(2);
let results;
try {
  results = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  process.stdout.write(`no jest results in ${file}: ${err.message}\n0 passed, 1 failed\n`);
  process.exit(1);
}
let passed = results.numPassedTests;
// A suite that fails to load (a syntax error, a failing beforeAll) counts its tests as failed;
// a suite that failed with no test counted still counts once, so it cannot pass silently.
const failedSuitesWithoutTests = results.testResults.filter(
  (s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed'),
).length;
let failed = results.numFailedTests + failedSuitesWithoutTests;

if (guardFile) {
  process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
  try {
    const guard = JSON.parse(fs.readFileSync(guardFile, 'utf8'));
    process.stdout.write(`benchmark guard: ${guard.passed} passed, ${guard.failed} failed\n`);
    passed += guard.passed;
    failed += guard.failed;
  } catch (err) {
    // The guard died before its verdict (or never ran): one failed check, never a silent pass.
    process.stdout.write(`benchmark guard: no verdict in ${guardFile} (${err.message})\n`);
    failed += 1;
  }
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
