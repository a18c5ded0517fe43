/**
 * Onboarding, in class form (a TaskHandler): send the welcome email, set up billing with
 * an exponential retry, then wait up to 48 hours for the user to verify their email.
 * The billing service is simulated and fails its first attempt on purpose, to show the
 * retry: the execution is rescheduled in the database, and attempt 2 succeeds.
 */
import { z } from 'zod'
import { EventTimeoutError, RetryConfig, type TaskHandler, type WorkflowContext } from '../src/index.ts'

const signup = z.object({
  user_id: z.string().min(1).default('user-42'),
  email: z.email().default('new.user@example.com'),
  plan: z.enum(['free', 'team', 'enterprise']).default('team'),
})

type Signup = z.output<typeof signup>

interface Onboarded {
  user_id: string
  plan: string
  welcome_message_id: string
  billing_account: string
  billing_attempts: number
  email_verified: boolean
}

export default class Onboarding implements TaskHandler<Signup, Onboarded> {
  name = 'onboarding'
  description =
    'Sends a welcome email, sets up billing (retried with exponential backoff), then waits up to 48h for "email-verified".'
  inputSchema = signup
  events = { 'email-verified': z.object({ verified_at: z.string().optional() }) }

  timeout(): string {
    return '72h'
  }

  maxRetries(): number {
    return 1
  }

  async run(ctx: WorkflowContext, user: Signup): Promise<Onboarded> {
    const welcome = await ctx.step('send-email', () => simulatedMailer(user.email))
    const billing = await ctx.stepWithRetry(
      'setup-billing',
      RetryConfig.exponential(4, '500ms', { maxDelay: '10s' }),
      (step) => simulatedBilling(user, step.attempt, step.idempotencyKey),
    )
    let verified = true
    try {
      await ctx.waitForEvent('email-verified', { timeout: '48h' })
    } catch (error) {
      if (!(error instanceof EventTimeoutError)) throw error
      verified = false
    }
    return {
      user_id: user.user_id,
      plan: user.plan,
      welcome_message_id: welcome.message_id,
      billing_account: billing.account,
      billing_attempts: billing.attempt,
      email_verified: verified,
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function simulatedMailer(to: string) {
  await pause(2)
  return { message_id: `welcome_${to.split('@')[0]}` }
}

/** Fails the first attempt as a flaky service would; the retry policy takes it from there. */
async function simulatedBilling(user: Signup, attempt: number, idempotencyKey: string) {
  await pause(3)
  if (attempt === 1) throw new Error('billing service unavailable (simulated 503); retrying')
  return { account: `acct_${user.user_id}_${idempotencyKey.length}`, attempt }
}
