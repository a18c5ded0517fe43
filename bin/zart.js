#!/usr/bin/env node
// The `zart` command. It registers tsx first so the CLI and the user's TypeScript
// workflow files run straight from source, with no build step.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
