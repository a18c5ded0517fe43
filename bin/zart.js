#!/usr/bin/env node
// The `zart` command. In a checkout (src/ is next to bin/) it runs the TypeScript sources,
// so nothing needs building; an installed package has no src/ and runs the compiled dist/.
// Either way, user workflows written in TypeScript load through
// src/cli/load-workflows.ts, which brings a loader only when one is needed.
//
// Start-up time matters here (an agent starts `zart mcp` once per session, a shell runs
// `zart status` in loops): each command loads only what it uses (see
// src/cli/commands/index.ts), and where Node keeps compiled code on disk between runs
// (module.enableCompileCache, Node 22.1+) it is switched on before anything else loads.
import module from 'node:module'
import { existsSync } from 'node:fs'

module.enableCompileCache?.()

const source = new URL('../src/cli/main.ts', import.meta.url)
if (existsSync(source)) {
  // Where Node strips types itself (on by default since 22.18 and 23.6) the sources run as
  // they are, which starts faster than a loader; tsc's erasableSyntaxOnly keeps them
  // within what stripping accepts. Elsewhere (Node 20) tsx compiles them.
  if (!process.features.typescript) {
    const { register } = await import('tsx/esm/api')
    register()
  }
  await import(source.href)
} else {
  await import('../dist/cli/main.js')
}
