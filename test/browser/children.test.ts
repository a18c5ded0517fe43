import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { api } from '../http/helpers.ts'
import { dbIn, startServe, suiteDir, type Served } from '../mcp/helpers.ts'
import { FIXTURE_WORKFLOWS } from '../fixtures/zart-process.ts'
import { HAVE_CHROMIUM, launchBrowser, openPage } from './helpers.ts'

// Parent and children in the dashboard: a real `zart serve` with the child fixtures,
// driven by a real Chromium, following the links both ways.
describe.skipIf(!HAVE_CHROMIUM)('dashboard children in chromium', () => {
  let served: Served
  let browser: Browser
  let page: Page
  let errors: string[]
  let dir: string

  beforeAll(async () => {
    dir = suiteDir()
    served = await startServe(dbIn(dir), [FIXTURE_WORKFLOWS])
    browser = await launchBrowser()
    ;({ page, errors } = await openPage(browser, served.url))
  })
  afterAll(async () => {
    expect(await served?.stop()).toBe(0)
  })

  const wait = async (id: string) =>
    (await api(served.url, 'GET', `/executions/${encodeURIComponent(id)}/wait?timeout=20`)).body

  it("shows a parent's children with their status, links to a child, and the child links back", async () => {
    await api(served.url, 'POST', '/executions', {
      json: { workflow: 'fan-parent', id: 'fan-1', data: { children: 2, log: join(dir, 'steps.log') } },
    })
    expect(await wait('fan-1')).toMatchObject({ status: 'completed', output: 10 })
    await api(served.url, 'POST', '/executions', { json: { workflow: 'fan-delegate', id: 'ask-1' } })

    // A parent whose children are done: each listed with its status.
    await page.goto(`${served.url}/executions/fan-1`)
    await page.getByRole('heading', { name: /Execution fan-1/ }).waitFor()
    const done = page.locator('.summary ul.children li')
    await expect(done.allTextContents()).resolves.toEqual(['fan-1/fan-child completed', 'fan-1/fan-child-2 completed'])

    // A parent waiting on its child: the child listed as waiting (polling brings it in).
    await page.goto(`${served.url}/executions/ask-1`)
    await page.getByRole('heading', { name: /Execution ask-1/ }).waitFor()
    const child = page.locator('.summary ul.children li', { hasText: 'ask-1/fan-approval' })
    await child.locator('.badge-waiting').waitFor()
    await page.locator('.summary > dd > .badge-waiting').waitFor()

    // Followed to the child, whose page names its parent.
    await child.getByRole('link', { name: 'ask-1/fan-approval' }).click()
    await page.getByRole('heading', { name: /Execution ask-1\/fan-approval/ }).waitFor()
    expect(new URL(page.url()).pathname).toBe(`/executions/${encodeURIComponent('ask-1/fan-approval')}`)
    const parent = page.locator('.summary dd').filter({ has: page.getByRole('link', { name: 'ask-1', exact: true }) })
    await parent.waitFor()
    await expect(page.locator('.summary dt', { hasText: 'Parent' }).count()).resolves.toBe(1)

    // And back.
    await parent.getByRole('link', { name: 'ask-1', exact: true }).click()
    await page.getByRole('heading', { name: /Execution ask-1$/ }).waitFor()
    await page.locator('.summary ul.children li', { hasText: 'ask-1/fan-approval' }).waitFor()
    expect(errors).toEqual([])
  })
})
