// Prints "N passed, N failed" from jest's --json output; exits 1 when a test failed, a suite
// failed to run, or no test ran at all.
const fs = require('node:fs');

const file = process.argv[2];
let results;
try {
  results = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  process.stdout.write(`no jest results in ${file}: ${err.message}\n0 passed, 1 failed\n`);
  process.exit(1);
}
const passed = results.numPassedTests;
// A suite that fails to load (a syntax error, a failing beforeAll) counts its tests as failed;
// a suite that failed with no test counted still counts once, so it cannot pass silently.
const failedSuitesWithoutTests = results.testResults.filter(
  (s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed'),
).length;
const failed = results.numFailedTests + failedSuitesWithoutTests;
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
