// `npm run build` (and `prepack`, so every tarball carries it): compiles src/ to dist/
// with type declarations, then the example workflows to dist/examples/, where an
// installed zart finds them when a project has no workflows of its own.
//
// The examples import '../src/index.ts' so that in a checkout they share the CLI's
// module instance; compiled, they import '../index.js' (dist/index.js) for the same
// reason. dist/ keeps src/'s layout, so the relative paths to package.json and
// migrations/ that src/ uses hold in dist/ too.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import ts from 'typescript'

const root = new URL('..', import.meta.url).pathname
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

rmSync(join(root, 'dist'), { recursive: true, force: true })
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })

// The dashboard's static files are served as they are, from beside the compiled server.
cpSync(join(root, 'src/http/dashboard/public'), join(root, 'dist/http/dashboard/public'), { recursive: true })

const examples = join(root, 'dist', 'examples')
mkdirSync(examples, { recursive: true })
for (const name of readdirSync(join(root, 'workflows')).filter((n) => n.endsWith('.ts'))) {
  const source = readFileSync(join(root, 'workflows', name), 'utf8')
  const relative = [...source.matchAll(/from '(\.[^']*)'/g)].map((m) => m[1])
  const unexpected = relative.filter((specifier) => specifier !== '../src/index.ts')
  if (unexpected.length > 0) {
    throw new Error(`workflows/${name} imports ${unexpected.join(', ')}: examples may import only '../src/index.ts'`)
  }
  const { outputText } = ts.transpileModule(source.replaceAll("from '../src/index.ts'", "from '../index.js'"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    fileName: name,
  })
  writeFileSync(join(examples, name.replace(/\.ts$/, '.js')), outputText)
}
