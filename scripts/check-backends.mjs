// Reads vitest's JSON report and fails when a required backend's contract suite did not
// run: every backend named on the command line must have passed tests and none failed.
//   node scripts/check-backends.mjs .tmp/vitest-results.json sqlite,postgres,mysql
import { readFileSync } from 'node:fs'

const [file, list] = process.argv.slice(2)
if (!file || !list) {
  console.error('usage: check-backends.mjs REPORT.json sqlite,postgres,mysql')
  process.exit(2)
}
const report = JSON.parse(readFileSync(file, 'utf8'))
const tests = report.testResults.flatMap((f) => f.assertionResults)
let bad = false
for (const backend of list.split(',')) {
  const mine = tests.filter((t) => t.ancestorTitles.includes(`store contract: ${backend}`))
  const passed = mine.filter((t) => t.status === 'passed').length
  const skipped = mine.filter((t) => t.status === 'skipped' || t.status === 'pending' || t.status === 'todo').length
  const failed = mine.filter((t) => t.status === 'failed').length
  console.log(`backend ${backend}: ${passed} passed, ${skipped} skipped, ${failed} failed`)
  if (passed === 0 || failed > 0) bad = true
}
if (bad) {
  console.error('a required backend did not pass its contract suite')
  process.exit(1)
}
