import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { checkout } from '../../workflows/checkout.ts'
import { dataPipeline } from '../../workflows/data-pipeline.ts'
import Onboarding from '../../workflows/onboarding.ts'
import { FakeClock, tempDb } from '../helpers.ts'

/** The shipped examples, run in-process with a fake clock: no real waiting. */
async function examples() {
  const clock = new FakeClock()
  const zart = await createZart({ db: tempDb(), workflows: [checkout, Onboarding, dataPipeline], clock })
  return { zart, clock }
}

describe('example workflows', () => {
  it('data-pipeline loads, waits for approval, then publishes; without approval it does not', async () => {
    const { zart } = await examples()
    await zart.schedule('data-pipeline', { rows: 500 }, { id: 'yes' })
    await zart.schedule('data-pipeline', {}, { id: 'no' })
    await zart.drain()
    expect((await zart.status('yes')).waiting_for?.[0]?.event).toBe('approval')
    await zart.deliverEvent('yes', 'approval', { approved: true })
    await zart.deliverEvent('no', 'approval', { approved: false, note: 'numbers look off' })
    await zart.drain()
    expect((await zart.status('yes')).output).toMatchObject({ rows_written: 495, published: true, status: 'published' })
    expect((await zart.status('no')).output).toMatchObject({
      rows_written: 990,
      published: false,
      note: 'numbers look off',
    })
    await zart.close()
  })

  it('onboarding retries setup-billing once, then waits 48h for email-verified', async () => {
    const { zart, clock } = await examples()
    await zart.schedule('onboarding', { user_id: 'u-1', email: 'u1@example.com' }, { id: 'u-1' })
    await zart.drain()
    const retrying = await zart.status('u-1', { includeSteps: true })
    expect(retrying.status).toBe('pending')
    expect(retrying.steps?.find((s) => s.name === 'setup-billing')).toMatchObject({ status: 'retrying', attempts: 1 })
    clock.advance('1s')
    await zart.drain()
    const waiting = await zart.status('u-1', { includeSteps: true })
    expect(waiting.waiting_for?.[0]?.event).toBe('email-verified')
    expect(waiting.steps?.find((s) => s.name === 'setup-billing')).toMatchObject({ status: 'completed', attempts: 2 })
    clock.advance('49h')
    await zart.drain()
    expect((await zart.status('u-1')).output).toMatchObject({ billing_attempts: 2, email_verified: false })
    await zart.close()
  })

  it('checkout charges, sends the receipt and completes on shipped', async () => {
    const { zart } = await examples()
    await zart.schedule('checkout', { order_id: 'o-9', amount: 12.5 }, { id: 'o-9' })
    await zart.drain()
    await zart.deliverEvent('o-9', 'shipped', { tracking: 'TRK-1' })
    await zart.drain()
    expect((await zart.status('o-9')).output).toMatchObject({
      order_id: 'o-9',
      status: 'shipped',
      tracking: 'TRK-1',
      carrier: 'post',
    })
    await zart.close()
  })
})
