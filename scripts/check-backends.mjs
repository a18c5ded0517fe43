// Reads vitest's JSON report and fails when a required backend did not run one of the
// suites that must run on every backend: for each backend named on the command line and
// each suite below, tests must have passed and none failed. With --browser, the browser
// suite (test/browser/, skipped where there is no chromium) must have run whole too.
//   node scripts/check-backends.mjs .tmp/vitest-results.json sqlite,postgres,mysql [--browser]
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

/**
 * Where each suite lives and the describe title that names the backend in it:
 * runStoreContract's `store contract: NAME`, and test/engine/each-backend.ts's `on NAME`.
 */
const suites = [
  { name: 'store contract', dir: 'test/storage/', title: (backend) => `store contract: ${backend}` },
  { name: 'engine', dir: 'test/engine/', title: (backend) => `on ${backend}` },
]

const [file, list, flag] = process.argv.slice(2)
if (!file || !list || (flag !== undefined && flag !== '--browser')) {
  console.error('usage: check-backends.mjs REPORT.json sqlite,postgres,mysql [--browser]')
  process.exit(2)
}
const report = JSON.parse(readFileSync(file, 'utf8'))
const tests = report.testResults.flatMap((f) =>
  f.assertionResults.map((t) => ({ ...t, file: relative(process.cwd(), f.name) })),
)
let bad = false
for (const backend of list.split(',')) {
  for (const suite of suites) {
    const mine = tests.filter((t) => t.file.startsWith(suite.dir) && t.ancestorTitles.includes(suite.title(backend)))
    const passed = mine.filter((t) => t.status === 'passed').length
    const skipped = mine.filter((t) => ['skipped', 'pending', 'todo'].includes(t.status)).length
    const failed = mine.filter((t) => t.status === 'failed').length
    console.log(`backend ${backend}, ${suite.name}: ${passed} passed, ${skipped} skipped, ${failed} failed`)
    if (passed === 0 || failed > 0) bad = true
  }
}
if (flag === '--browser') {
  const mine = tests.filter((t) => t.file.startsWith('test/browser/'))
  const passed = mine.filter((t) => t.status === 'passed').length
  const other = mine.length - passed
  console.log(`browser suite: ${passed} passed, ${other} skipped or failed`)
  if (passed === 0 || other > 0) {
    console.error('the browser suite did not run whole: install chromium (apt-get install -y chromium)')
    bad = true
  }
}
if (bad) {
  console.error('a required suite did not pass everywhere it must run')
  process.exit(1)
}
