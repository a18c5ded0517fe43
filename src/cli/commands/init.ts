import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { ZartError } from '../../errors.ts'
import type { CliContext } from '../context.ts'

/** The workflow `zart init` writes: one step, one wait, and the commands to try it. */
export const HELLO_WORKFLOW = `/**
 * Your first zart workflow: greet someone (a step: its result is saved, so it never runs
 * twice), then wait for a "reply" event. While it waits it is a row in the database, not
 * a running process.
 *
 *   npx zart worker &
 *   npx zart schedule hello --id hello-1 --data '{"name":"Ada"}'
 *   npx zart event hello-1 reply --data '{"text":"hi back"}'
 *   npx zart wait hello-1
 */
import { z } from 'zod'
import { defineWorkflow, EventTimeoutError } from 'zart'

const reply = z.object({ text: z.string() })

export const hello = defineWorkflow(
  {
    name: 'hello',
    description: 'Greets someone, then waits up to reply_within (default 1h) for a "reply" event ({"text": "..."}).',
    input: z.object({ name: z.string().default('world'), reply_within: z.string().default('1h') }),
    events: { reply },
  },
  async (ctx, input) => {
    const greeting = await ctx.step('greet', () => \`Hello, \${input.name}!\`)
    try {
      const answer = await ctx.waitForEvent<z.output<typeof reply>>('reply', { timeout: input.reply_within })
      return { greeting, reply: answer.text }
    } catch (error) {
      if (!(error instanceof EventTimeoutError)) throw error
      return { greeting, reply: null }
    }
  },
)
`

/** What attaches the project's workflows to an MCP client. */
const CLAUDE_CODE_LINE = 'claude mcp add zart -- npx zart mcp'
const MCP_CONFIG = {
  mcpServers: { zart: { type: 'stdio', command: 'npx', args: ['zart', 'mcp', '--workflows', './workflows'] } },
}

/**
 * `zart init`: makes the current folder a zart project. Writes `workflows/hello.ts`
 * (kept if it exists), makes the package ESM (`"type": "module"`, which `.ts` workflows
 * importing zart need; other package.json fields are kept), and prints how to attach an
 * agent.
 */
export function registerInitCommand(program: Command, context: CliContext): void {
  program
    .command('init')
    .description('start a project here: write workflows/hello.ts, make package.json ESM, print how to attach an agent')
    .action(() => {
      const { cwd } = context.io
      const say = (line: string) => context.io.stdout(`${line}\n`)

      const manifest = join(cwd, 'package.json')
      const existed = existsSync(manifest)
      const pkg = existed ? readManifest(manifest) : { name: safeName(cwd), private: true }
      if (pkg.type === 'module') {
        say('package.json already has "type": "module"')
      } else {
        writeFileSync(manifest, `${JSON.stringify({ ...pkg, type: 'module' }, null, 2)}\n`)
        if (!existed) say('wrote package.json with "type": "module"')
        else say(`package.json: set "type": "module" (it was ${JSON.stringify(pkg.type ?? 'commonjs')})`)
      }

      const hello = join(cwd, 'workflows', 'hello.ts')
      if (existsSync(hello)) {
        say('workflows/hello.ts exists: kept as it is')
      } else {
        mkdirSync(join(cwd, 'workflows'), { recursive: true })
        writeFileSync(hello, HELLO_WORKFLOW)
        say('wrote workflows/hello.ts')
      }

      const deps = { ...(pkg.dependencies as object | undefined), ...(pkg.devDependencies as object | undefined) }
      const missing = ['zart', 'zod'].filter((name) => !(name in deps))
      say('')
      if (missing.length > 0) say(`Install what the workflow imports:  npm install ${missing.join(' ')}`)
      say('Try it:             npx zart worker & npx zart schedule hello --id hello-1 && npx zart wait hello-1')
      say(`Attach Claude Code: ${CLAUDE_CODE_LINE}`)
      say('Other MCP clients (Claude Desktop, Cursor, VS Code), in their MCP config:')
      say(JSON.stringify(MCP_CONFIG, null, 2))
    })
}

function readManifest(path: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ZartError('INVALID_INPUT', `package.json is not valid JSON (${reason}): fix it, then run zart init again`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ZartError('INVALID_INPUT', 'package.json does not hold a JSON object: fix it, then run zart init again')
  }
  return parsed as Record<string, unknown>
}

/** A package name npm accepts, from the folder's name. */
function safeName(dir: string): string {
  const base = dir.split(/[\\/]/).pop() ?? ''
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
  return name === '' ? 'zart-project' : name
}
