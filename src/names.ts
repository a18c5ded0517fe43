import { ZartError } from './errors.ts'

/**
 * The one rule for every name and key zart stores: workflow names, execution ids, event
 * names, step names, idempotency keys and event ids. The engine (`ctx.step`,
 * `ctx.waitForEvent`), the client (schedule, delivery, the `events` of a definition) and
 * the zod schemas every door uses (`src/client/schemas.ts`) all check through
 * `nameProblem`, so a name accepted at one end is never refused at the other.
 *
 * Why these limits and characters:
 * - Lengths fit the smallest column on any store (`migrations/mysql/0001_init.sql`: ids
 *   and names VARCHAR(128), step keys VARCHAR(160), idempotency keys and event ids
 *   VARCHAR(256)). MySQL counts characters (code points); a JS string's `length` counts
 *   UTF-16 units, never fewer, so a value within the limit here always fits there.
 * - A step key is the step name plus `#n` when the name repeats in a run; a step name of at
 *   most 128 leaves 31 digits of room in the 160 of `step_key`. `#` is refused inside
 *   step names so an explicit name can never collide with a repeat's key.
 * - No control characters: PostgreSQL refuses NUL in text at commit time, and tabs or
 *   newlines in a name only hide mistakes. No unpaired UTF-16 surrogates: neither
 *   PostgreSQL nor MySQL's utf8mb4 can store them.
 * - No leading or trailing whitespace: MySQL's utf8mb4_bin collation is PAD SPACE, so
 *   `"a"` and `"a "` are the same key there but two keys on SQLite and PostgreSQL.
 *   Refusing edge whitespace everywhere makes that difference unreachable.
 */
export interface NameRule {
  /** What the value is, as a message names it: "event name". */
  readonly what: string
  /** Most UTF-16 units accepted. */
  readonly max: number
  /** The whole rule on characters, also published as the JSON Schema `pattern`. */
  readonly pattern: RegExp
  /** Why a value failed `pattern`, as a sentence that says how to fix it. */
  explain(value: string): string
}

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:\-/]*$/

function identifier(what: string, example: string): NameRule {
  return {
    what,
    max: 128,
    pattern: IDENTIFIER,
    explain: () =>
      `may contain only letters, digits and _ . : - / and must start with a letter or digit (e.g. "${example}")`,
  }
}

function text(what: string, max: number, forbidHash = false): NameRule {
  const pattern = forbidHash ? /^(?!\s)[^\p{Cc}\p{Cs}#]*(?<!\s)$/u : /^(?!\s)[^\p{Cc}\p{Cs}]*(?<!\s)$/u
  return {
    what,
    max,
    pattern,
    explain(value) {
      if (/\p{Cc}/u.test(value)) return 'must not contain control characters (NUL, tab, newline...): remove them'
      if (/\p{Cs}/u.test(value)) return 'must not contain unpaired UTF-16 surrogates: send well-formed text'
      if (forbidHash && value.includes('#'))
        return 'must not contain "#", which zart uses to number repeated steps (fetch, fetch#2): use another character'
      return 'must not start or end with whitespace: trim it'
    },
  }
}

/** Names of registered workflows: `checkout`, `billing/refund`. */
export const WORKFLOW_NAME = identifier('workflow name', 'send-invoice')
/** Execution ids given at schedule time (generated ids follow it too). */
export const EXECUTION_ID = identifier('execution id', 'order-1234')
/** Event names: the same at `ctx.waitForEvent`, in a workflow's `events`, and at delivery. */
export const EVENT_NAME = identifier('event name', 'order-shipped')
/**
 * Cron schedule names. At most 96 so that a tick's execution id (`cron:NAME:ISO-TIME`, see
 * `src/client/schedules.ts`) stays within the 128 of an execution id.
 */
export const SCHEDULE_NAME: NameRule = { ...identifier('schedule name', 'nightly-report'), max: 96 }
/** Step names: free text (`charge card`), but no `#`, controls or edge whitespace. */
export const STEP_NAME = text('step name', 128, true)
/** Idempotency keys of schedule calls. */
export const IDEMPOTENCY_KEY = text('idempotency key', 256)
/** Event ids that make a delivery idempotent. */
export const EVENT_ID = text('event id', 256)

/** What is wrong with `value` as a name under `rule`, or undefined when it is fine. */
export function nameProblem(rule: NameRule, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${rule.what} must be a string`
  if (value.length === 0) return `${rule.what} must not be empty`
  if (value.length > rule.max)
    return `${rule.what} is ${value.length} characters, over the limit of ${rule.max}: use a shorter one`
  if (!rule.pattern.test(value)) return `${rule.what} ${show(value)} ${rule.explain(value)}`
  return undefined
}

/**
 * Returns `value` when it is a valid name under `rule`; otherwise throws INVALID_INPUT
 * naming the value, the rule and the fix.
 */
export function checkName(rule: NameRule, value: unknown): string {
  const problem = nameProblem(rule, value)
  if (problem === undefined) return value as string
  throw new ZartError('INVALID_INPUT', `invalid ${rule.what}: ${problem}`, {
    issues: [{ path: '(root)', message: problem }],
  })
}

/**
 * For `ctx.step(name)`: throws INVALID_INPUT unless `name` is a valid step name.
 *
 * @example
 * checkStepName('charge card') // ok
 * checkStepName('fetch#2')     // throws: "#" numbers repeated steps
 */
export function checkStepName(name: unknown): string {
  return checkName(STEP_NAME, name)
}

/** For `ctx.waitForEvent(name)`, a definition's `events` and delivery: throws INVALID_INPUT unless valid. */
export function checkEventName(name: unknown): string {
  return checkName(EVENT_NAME, name)
}

/** Throws INVALID_INPUT unless `name` is a valid workflow name. */
export function checkWorkflowName(name: unknown): string {
  return checkName(WORKFLOW_NAME, name)
}

/** Throws INVALID_INPUT unless `id` is a valid execution id. */
export function checkExecutionId(id: unknown): string {
  return checkName(EXECUTION_ID, id)
}

/** Throws INVALID_INPUT unless `key` is a valid idempotency key. */
export function checkIdempotencyKey(key: unknown): string {
  return checkName(IDEMPOTENCY_KEY, key)
}

/** Throws INVALID_INPUT unless `id` is a valid event id. */
export function checkEventId(id: unknown): string {
  return checkName(EVENT_ID, id)
}

/** The value as a message shows it: quoted, escaped, and cut when long. */
function show(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 60)}...` : value
  return JSON.stringify(cut)
}
