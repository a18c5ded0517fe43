import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createZart, defineWorkflow, type Zart } from '../../src/index.ts'
import { unknownKeys } from '../../src/client/unknown-keys.ts'
import { tempDb } from '../helpers.ts'

const keys = (schema: z.ZodType, value: unknown) => {
  expect(schema.safeParse(value).success).toBe(true)
  return unknownKeys(schema, value).map((p) => p.join('.'))
}

describe('unknownKeys: the keys a zod parse would silently drop', () => {
  it('finds them at the top and in nested objects, arrays and records', () => {
    const schema = z.object({
      order: z.object({ id: z.string(), lines: z.array(z.object({ sku: z.string() })) }),
      tags: z.record(z.string(), z.object({ on: z.boolean() })).optional(),
    })
    const value = {
      order: { id: 'o1', lines: [{ sku: 'a' }, { sku: 'b', qty: 2 }], note: 'x' },
      tags: { red: { on: true, since: 1 } },
      extra: true,
    }
    expect(keys(schema, value).sort()).toEqual(['extra', 'order.lines.1.qty', 'order.note', 'tags.red.since'])
    expect(keys(schema, { order: { id: 'o', lines: [] } })).toEqual([])
  })

  it("respects an object's own choice: loose, passthrough, catchall and strict objects", () => {
    expect(keys(z.looseObject({ a: z.number() }), { a: 1, b: 2 })).toEqual([])
    expect(keys(z.object({ a: z.number() }).passthrough(), { a: 1, b: 2 })).toEqual([])
    expect(
      keys(z.object({ a: z.number() }).catchall(z.object({ x: z.number() })), { a: 1, b: { x: 1, y: 2 } }),
    ).toEqual(['b.y'])
  })

  it('looks through wrappers and the input side of transforms, without mistaking a transform for a drop', () => {
    const renamed = z
      .object({ first: z.string(), last: z.string() })
      .transform((o) => ({ name: `${o.first} ${o.last}` }))
    expect(keys(renamed, { first: 'a', last: 'b' })).toEqual([])
    expect(keys(renamed, { first: 'a', last: 'b', middle: 'c' })).toEqual(['middle'])
    const wrapped = z.object({ a: z.object({ b: z.number() }).nullable().default(null).readonly() }).optional()
    expect(keys(wrapped, { a: { b: 1, c: 2 } })).toEqual(['a.c'])
    expect(keys(wrapped, undefined)).toEqual([])
    type Tree = { value: number; children: Tree[] }
    const tree: z.ZodType<Tree> = z.lazy(() => z.object({ value: z.number(), children: z.array(tree) }))
    expect(keys(tree, { value: 1, children: [{ value: 2, children: [], leaf: true }] })).toEqual(['children.0.leaf'])
  })

  it('asks only the options of a union that accept the value, and both sides of an intersection', () => {
    const shape = z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('circle'), r: z.number() }),
      z.object({ kind: z.literal('square'), side: z.number() }),
    ])
    expect(keys(shape, { kind: 'square', side: 2 })).toEqual([])
    expect(keys(shape, { kind: 'circle', r: 1, side: 2 })).toEqual(['side'])
    const both = z.intersection(z.object({ a: z.number() }), z.object({ b: z.number() }))
    expect(keys(both, { a: 1, b: 2 })).toEqual([])
    expect(keys(both, { a: 1, b: 2, c: 3 })).toEqual(['c'])
  })
})

describe('the client refuses unknown keys and undeclared events', () => {
  let zart: Zart | undefined
  afterEach(async () => zart?.close())

  const order = defineWorkflow(
    {
      name: 'order',
      input: z.object({ orderId: z.string(), address: z.object({ city: z.string() }) }),
      events: { shipped: z.object({ carrier: z.string() }), 'app/cancelled': z.unknown() },
    },
    async (ctx) => ctx.waitForEvent('shipped'),
  )

  it('names each unknown key of workflow input, and schedules nothing', async () => {
    zart = await createZart({ db: tempDb(), workflows: [order] })
    const error = await zart
      .schedule('order', { orderId: 'o1', order_id: 'o1', address: { city: 'Lyon', zip: '69001' } })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/unknown keys "order_id", "address.zip"/),
      details: { unknown_keys: ['order_id', 'address.zip'] },
    })
    expect((await zart.list()).executions).toEqual([])
    await expect(zart.schedule('order', { orderId: 'o1', address: { city: 'Lyon' } })).resolves.toMatchObject({
      created: true,
    })
  })

  it('refuses an event the workflow does not declare, listing the declared ones, and unknown keys in event data', async () => {
    zart = await createZart({ db: tempDb(), workflows: [order] })
    const { execution_id: id } = await zart.schedule('order', { orderId: 'o1', address: { city: 'Lyon' } })
    await zart.drain()
    await expect(zart.deliverEvent(id, 'shiped', { carrier: 'x' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(
        /does not declare an event named "shiped" \(it declares "shipped", "app\/cancelled"\)/,
      ),
      details: { event: 'shiped', declared: ['shipped', 'app/cancelled'], workflow: 'order' },
    })
    await expect(zart.deliverEvent(id, 'shipped', { carrier: 'x', tracking: '1Z' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/data for event "shipped": unknown key "tracking"/),
    })
    expect((await zart.status(id)).status).toBe('waiting')
    await expect(zart.deliverEvent(id, 'shipped', { carrier: 'x' })).resolves.toMatchObject({ result: 'delivered' })
  })
})
