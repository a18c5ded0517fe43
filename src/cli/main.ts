/**
 * Entry point of the `zart` command (started by `bin/zart.js`, which registers tsx first).
 * Runs the program on this process's arguments and streams and sets the exit code.
 */
import { runCli } from './program.ts'
import { processIO } from './output.ts'

process.exitCode = await runCli(process.argv.slice(2), processIO)
