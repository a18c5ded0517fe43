/**
 * Checkout, in function form: charge the card, send the receipt, then wait (durably, up
 * to 24 hours) for the warehouse to report the parcel shipped. The payment and mail
 * services are simulated, so the example runs offline.
 */
import { z } from 'zod'
import { defineWorkflow, EventTimeoutError } from '../src/index.ts'

const order = z.object({
  order_id: z.string().min(1).default('order-1001'),
  amount: z.number().positive().default(49.9),
  currency: z.string().length(3).default('EUR'),
  email: z.email().default('buyer@example.com'),
})

const shipped = z.object({
  carrier: z.string().default('post'),
  tracking: z.string().min(1),
})

export const checkout = defineWorkflow(
  {
    name: 'checkout',
    description:
      'Charges an order, emails the receipt, then waits up to 24h for a "shipped" event with the tracking number.',
    timeout: '48h',
    input: order,
    events: { shipped },
  },
  async (ctx, input) => {
    // The idempotency key is stable across retries and restarts, so a charge that ran
    // just before a crash is not taken twice by a real payment provider.
    const charge = await ctx.step('charge', (step) =>
      payments.charge(input.amount, input.currency, step.idempotencyKey),
    )
    const receipt = await ctx.step('receipt', () =>
      mailer.send(input.email, `Receipt for ${input.order_id}: ${charge.charge_id}`),
    )
    try {
      const parcel = await ctx.waitForEvent<z.output<typeof shipped>>('shipped', { timeout: '24h' })
      return {
        order_id: input.order_id,
        status: 'shipped',
        charge_id: charge.charge_id,
        receipt_id: receipt.message_id,
        ...parcel,
      }
    } catch (error) {
      if (!(error instanceof EventTimeoutError)) throw error
      return {
        order_id: input.order_id,
        status: 'not_shipped_in_time',
        charge_id: charge.charge_id,
        receipt_id: receipt.message_id,
      }
    }
  },
)

/** Stand-ins for outside services: fixed answers after a few milliseconds, no network. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const payments = {
  async charge(amount: number, currency: string, idempotencyKey: string) {
    await pause(3)
    return { charge_id: `ch_${idempotencyKey.replace(/[^A-Za-z0-9]/g, '')}`, amount, currency }
  },
}

const mailer = {
  async send(to: string, subject: string) {
    await pause(2)
    return { message_id: `msg_${subject.length}_${to.length}`, to }
  },
}
