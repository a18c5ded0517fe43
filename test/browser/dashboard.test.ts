import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { api, eventually } from '../http/helpers.ts'
import { call, connectHttp, dbIn, EXAMPLE_WORKFLOWS, startServe, suiteDir, type Served } from '../mcp/helpers.ts'
import { HAVE_CHROMIUM, launchBrowser, openPage, screenshot } from './helpers.ts'

// The dashboard end to end: a real `zart serve` with the example workflows, driven by a
// real Chromium, reading and acting only through the REST API.
describe.skipIf(!HAVE_CHROMIUM)('dashboard in chromium', () => {
  let served: Served
  let browser: Browser
  let page: Page
  let errors: string[]

  beforeAll(async () => {
    served = await startServe(dbIn(suiteDir()), [EXAMPLE_WORKFLOWS])
    browser = await launchBrowser()
    ;({ page, errors } = await openPage(browser, served.url))
  })
  afterAll(async () => {
    expect(await served?.stop()).toBe(0)
  })

  it('lists a scheduled execution, live, without a reload', async () => {
    await page.goto(`${served.url}/`)
    await page.getByRole('heading', { name: 'Executions' }).waitFor()
    const scheduled = await api(served.url, 'POST', '/executions', {
      json: { workflow: 'data-pipeline', id: 'nightly-orders-2026-05-01', data: { rows: 2500 } },
    })
    expect(scheduled.status).toBe(201)
    await api(served.url, 'POST', '/executions', { json: { workflow: 'onboarding', id: 'onboard-ada', data: {} } })
    // Polling brings it in; the page was loaded before it existed.
    const row = page.locator('tr[data-id="nightly-orders-2026-05-01"]')
    await row.getByText('waiting').waitFor()
    await expect(row.getByRole('cell').nth(1).textContent()).resolves.toBe('data-pipeline')

    await page.getByLabel('Status').selectOption('waiting')
    await expect(page.url()).toContain('status=waiting')
    await page.getByLabel('Execution id').fill('nightly')
    await page.locator('tr[data-id]').first().waitFor()
    await eventually(async () => ((await page.locator('tr[data-id]').count()) === 1 ? true : undefined))
    await page.getByLabel('Execution id').fill('')
    await page.getByLabel('Status').selectOption('')
    await page.locator('tr[data-id="onboard-ada"]').waitFor()
    await screenshot(page, 'executions')
    expect(errors).toEqual([])
  })

  it('shows the timeline of the execution, reached by its link', async () => {
    await page.getByRole('link', { name: 'nightly-orders-2026-05-01' }).click()
    await page.getByRole('heading', { name: /Execution nightly-orders-2026-05-01/ }).waitFor()
    const items = page.locator('.timeline-item')
    await expect(items.evaluateAll((els) => els.map((el) => el.getAttribute('data-step')))).resolves.toEqual([
      'extract',
      'transform',
      'load',
      'approval',
    ])
    await expect(items.first().textContent()).resolves.toMatch(/completed.*took .*1 attempt/s)
    await expect(page.locator('.timeline-item[data-step="approval"]').textContent()).resolves.toMatch(/Wait for event/)
    await expect(page.getByText('Deadline').isVisible()).resolves.toBe(true)
    // The workflow's own progress and the data it was scheduled with.
    await expect(page.locator('.summary').textContent()).resolves.toMatch(/Progress75% · loaded into/)
    await page.getByRole('heading', { name: 'Input' }).waitFor({ timeout: 5000 })
    await page.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 5000 })
    // The REST status carries the same page as dashboard_url, for an agent to hand over.
    const status = await api(served.url, 'GET', '/executions/nightly-orders-2026-05-01')
    expect(status.body.dashboard_url).toBe(`${served.url}/executions/nightly-orders-2026-05-01`)
    const mcp = await connectHttp(served.url, 'streamable')
    const tool = await call(mcp, 'status', { execution_id: 'nightly-orders-2026-05-01' })
    await mcp.close()
    expect(tool.structuredContent.dashboard_url).toBe(status.body.dashboard_url)
    expect(new URL(page.url()).pathname).toBe('/executions/nightly-orders-2026-05-01')
    await screenshot(page, 'execution')
    expect(errors).toEqual([])
  })

  it('cancels only after the confirmation', async () => {
    await page.goto(`${served.url}/executions/onboard-ada`)
    await page.getByRole('button', { name: 'Cancel execution…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Cancel this execution?' })
    await dialog.waitFor()
    await page.keyboard.press('Escape')
    await expect(dialog.isVisible()).resolves.toBe(false)
    expect((await api(served.url, 'GET', '/executions/onboard-ada')).body.status).not.toBe('cancelled')
    await page.getByRole('button', { name: 'Cancel execution…' }).click()
    await dialog.getByRole('button', { name: 'Cancel execution' }).click()
    await page.locator('.summary .badge-cancelled').waitFor()
    expect((await api(served.url, 'GET', '/executions/onboard-ada')).body.status).toBe('cancelled')
    expect(errors).toEqual([])
  })

  it('approves in the inbox, which completes the data pipeline', async () => {
    await page.getByRole('link', { name: 'Inbox' }).click()
    const card = page.locator('article.card[data-id="nightly-orders-2026-05-01"]')
    await card.waitFor()
    await card.getByLabel('note').fill('Counts look right')
    await screenshot(page, 'inbox')
    await card.getByRole('button', { name: 'Approve' }).click()
    await card.getByText(/Approved: delivered/).waitFor()
    const done = await api(served.url, 'GET', '/executions/nightly-orders-2026-05-01/wait?timeout=20')
    expect(done.body).toMatchObject({
      status: 'completed',
      output: { published: true, note: 'Counts look right', rows_written: 2475 },
    })
    expect(errors).toEqual([])
  })

  it("shows the API's error next to the field that caused it", async () => {
    const nightly = { name: 'nightly-pipeline', workflow: 'data-pipeline', cron: '0 3 * * *', data: { rows: 10 } }
    expect((await api(served.url, 'POST', '/schedules', { json: nightly })).status).toBe(201)
    await page.getByRole('link', { name: 'Workflows' }).click()
    const section = page.locator('section[data-workflow="data-pipeline"]')
    await section.waitFor()
    await expect(section.locator('.summary').textContent()).resolves.toMatch(
      /Cron schedulesnightly-pipeline: 0 3 \* \* \* \(UTC\), next \d{4}-/,
    )
    await api(served.url, 'DELETE', '/schedules/nightly-pipeline')
    await section.getByLabel('rows').fill('0')
    await section.getByRole('button', { name: 'Schedule data-pipeline' }).click()
    const field = section.locator('.field[data-field="rows"]')
    await field.locator('.field-error').waitFor()
    // The very message the API sent for that field, and the field marked invalid.
    const refused = await api(served.url, 'POST', '/executions', {
      json: { workflow: 'data-pipeline', data: { rows: 0 } },
    })
    expect(refused.body.errors).toEqual([{ path: 'rows', message: expect.any(String) }])
    await expect(field.locator('.field-error').textContent()).resolves.toBe(refused.body.errors[0].message)
    await expect(section.getByLabel('rows').getAttribute('aria-invalid')).resolves.toBe('true')
    await screenshot(page, 'workflows')

    // Fixed, it schedules and opens the new execution.
    await section.getByLabel('rows').fill('40')
    await section.getByLabel('Execution id').fill('from-the-form')
    await section.getByRole('button', { name: 'Schedule data-pipeline' }).click()
    await page.getByRole('heading', { name: /Execution from-the-form/ }).waitFor()
    expect(errors).toEqual([])
  })

  it('is usable on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${served.url}/`)
    await page.locator('tr[data-id="nightly-orders-2026-05-01"]').waitFor()
    const width = await page.evaluate('document.documentElement.scrollWidth')
    expect(width).toBeLessThanOrEqual(390)
    await screenshot(page, 'executions-phone')
  })
})
