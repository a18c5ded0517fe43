import type { Command } from 'commander'
import { loadClient, type CliContext } from '../context.ts'

/** `zart migrate`: applies pending migrations and says which; running it again is harmless. */
export function registerMigrateCommand(program: Command, context: CliContext): void {
  program
    .command('migrate')
    .description('apply pending database migrations (other commands also do this on start)')
    .action(async (_options: object, command: Command) => {
      const url = context.databaseUrl(command)
      const { createZart } = await loadClient()
      const zart = await createZart({ db: url, migrate: false, logger: context.logger })
      try {
        const { applied, current } = await zart.migrate()
        for (const name of applied) context.io.stdout(`applied ${name}\n`)
        const state = applied.length === 0 ? 'no pending migrations; schema is at' : 'schema is now at'
        context.io.stdout(`${state} ${current ?? '(none)'} | database: ${url}\n`)
      } finally {
        await zart.close()
      }
    })
}
