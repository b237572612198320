// Writes one jest --json result from several runs' (npm test runs the fault suite apart):
//   node tools/test/merge-jest-results.cjs <out> <in> [<in> ...]
// Counts add up and suites are listed together; a run that left no file counts as a failed
// suite, so it cannot pass silently.
const fs = require('node:fs');

const [out, ...inputs] = process.argv.slice(2);
const COUNTS = [
  'numFailedTestSuites',
  'numFailedTests',
  'numPassedTestSuites',
  'numPassedTests',
  'numPendingTestSuites',
  'numPendingTests',
  'numRuntimeErrorTestSuites',
  'numTodoTests',
  'numTotalTestSuites',
  'numTotalTests',
];
const merged = { success: true, testResults: [] };
for (const key of COUNTS) merged[key] = 0;
for (const input of inputs) {
  let run;
  try {
    run = JSON.parse(fs.readFileSync(input, 'utf8'));
  } catch (err) {
    merged.success = false;
    merged.numFailedTestSuites += 1;
    merged.numTotalTestSuites += 1;
    merged.testResults.push({
      name: input,
      status: 'failed',
      message: `no jest results: ${err.message}`,
      assertionResults: [],
    });
    continue;
  }
  merged.success &&= run.success;
  for (const key of COUNTS) merged[key] += run[key] ?? 0;
  merged.testResults.push(...run.testResults);
}
fs.writeFileSync(out, JSON.stringify(merged));
