import { readFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { asZartError, isZartError } from '../errors.ts'
import { registerCommands } from './commands/index.ts'
import { createCliContext, type CliContext } from './context.ts'
import { EXIT, EXIT_CODES } from './exit-codes.ts'
import { collect } from './options.ts'
import type { CliIO } from './output.ts'

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

/**
 * The `zart` program: global options, then the commands from `commands/index.ts` that
 * `argv` may run (all of them for `--help`).
 */
export async function buildProgram(context: CliContext, argv: readonly string[]): Promise<Command> {
  const program = new Command('zart')
    .description('durable execution for TypeScript: schedule workflows, deliver events, run workers')
    .version(VERSION)
    .addOption(
      new Option(
        '--db <url>',
        'database: sqlite:PATH, postgres://…, mysql://… (default sqlite:$ZART_HOME/zart.db)',
      ).env('ZART_DATABASE_URL'),
    )
    .option(
      '--workflows <path>',
      'file or folder of .ts/.js workflow modules; may repeat (also ZART_WORKFLOWS; default ./workflows, else the bundled examples)',
      collect,
    )
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout(text),
      writeErr: (text) => context.io.stderr(text),
      // Commander adds "(Did you mean …?)" on a second line; keep every error to one line.
      outputError: (text, write) => write(`${oneLine(text)}\n`),
    })
  await registerCommands(program, context, argv)
  return program
}

/**
 * Runs the CLI and returns the exit code. Errors become one line on stderr,
 * `error: <message>`, never a stack trace: exit 2 for anything the caller can fix,
 * 1 for zart's own failures (see `exit-codes.ts`).
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let context: CliContext | undefined
  try {
    context = createCliContext(io)
    const program = await buildProgram(context, argv)
    await program.parseAsync([...argv], { from: 'user' })
    return context.exitCode
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // Commander has printed its own message (or the help); only the code is left to set.
      return thrown.exitCode === 0 ? EXIT.OK : EXIT.USAGE
    }
    const known = asZartError(thrown)
    const message = known?.message ?? (thrown instanceof Error ? thrown.message : String(thrown))
    io.stderr(`error: ${oneLine(message)}\n`)
    if (/^debug$/i.test(io.env.ZART_LOG_LEVEL ?? '') && thrown instanceof Error && !isZartError(thrown)) {
      io.stderr(`${thrown.stack ?? ''}\n`)
    }
    return known ? EXIT_CODES[known.code] : EXIT.FAILED
  }
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ')
}
