import { readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'

/** Where this process runs, as workers report it (see `Store.recordWorker`). */
export interface ProcessInfo {
  host: string
  pid: number
  /**
   * Two processes with the same scope see each other's pids: the same boot of the same
   * machine and the same pid namespace (on Linux; elsewhere the host name alone). Only
   * then may one tell from a pid that the other is gone.
   */
  scope: string
}

/** This process. */
export function thisProcess(): ProcessInfo {
  return { host: hostname(), pid: process.pid, scope: `${hostname()}/${bootId()}/${pidNamespace()}` }
}

/** Whether a process with this pid exists here (one that cannot be signalled still exists). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return 'boot'
  }
}

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid')
  } catch {
    return 'pid'
  }
}
