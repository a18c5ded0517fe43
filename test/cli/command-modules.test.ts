import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { COMMANDS, registerCommands } from '../../src/cli/commands/index.ts'
import { createCliContext } from '../../src/cli/context.ts'
import type { CliIO } from '../../src/cli/output.ts'

/**
 * The CLI loads only the command module its arguments name (start-up time); these check
 * that the names listed for each module are the commands it really adds, and that the
 * command is found behind global options.
 */
const io: CliIO = { stdout: () => {}, stderr: () => {}, env: { ZART_LOG_LEVEL: 'silent' }, cwd: process.cwd() }
const context = createCliContext(io)

function program(): Command {
  return new Command('zart').option('--db <url>').option('--workflows <path>')
}

describe('command modules', () => {
  it.each(COMMANDS.map((m) => [m.names.join(', '), m] as const))(
    '%s: the names listed are those registered',
    async (_, m) => {
      const registered = program()
      ;(await m.load())(registered, context)
      expect(registered.commands.map((c) => c.name())).toEqual(m.names)
    },
  )

  it('loads only the module a command name selects, past global options and their values', async () => {
    const registered = program()
    await registerCommands(registered, context, ['--db', 'status', 'retry', 'some-id'])
    expect(registered.commands.map((c) => c.name())).toEqual(['pause', 'resume', 'retry', 'rerun'])
  })

  it('loads every module, in order, without a known command name', async () => {
    for (const argv of [[], ['--help'], ['statu', 'x']]) {
      const registered = program()
      await registerCommands(registered, context, argv)
      expect(registered.commands.map((c) => c.name())).toEqual(COMMANDS.flatMap((m) => m.names))
    }
  })
})
