import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { api, eventually } from '../http/helpers.ts'
import { dbIn, EXAMPLE_WORKFLOWS, startServe, suiteDir, type Served } from '../mcp/helpers.ts'
import { HAVE_CHROMIUM, launchBrowser, openPage, screenshot } from './helpers.ts'

const TOKEN = 'browser-test-token-9d2f7a61c0'

describe.skipIf(!HAVE_CHROMIUM)('dashboard with a token, in chromium', () => {
  let served: Served
  let browser: Browser
  let loginLink: string

  beforeAll(async () => {
    served = await startServe(dbIn(suiteDir()), [EXAMPLE_WORKFLOWS], [], { ZART_TOKEN: TOKEN })
    browser = await launchBrowser()
    await api(served.url, 'POST', '/executions', {
      json: { workflow: 'data-pipeline', id: 'secret-run', data: {} },
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    loginLink = await eventually(async () => /sign in to the dashboard once at (\S+)/.exec(served.stdout())?.[1])
  })
  afterAll(async () => {
    expect(await served?.stop()).toBe(0)
  })

  it('prints a one-time link that carries a code, never the token', () => {
    expect(loginLink).toMatch(/\/login\?code=[\w-]{20,}$/)
    expect(loginLink).not.toContain(TOKEN)
  })

  it('shows an unauthenticated browser only the login form', async () => {
    const { page, errors } = await openPage(browser, served.url)
    for (const path of ['/', '/inbox', '/workflows', '/executions/secret-run']) {
      const response = await page.goto(`${served.url}${path}`)
      expect(response?.status()).toBe(401)
      await page.getByLabel('Token').waitFor()
      await expect(page.locator('script').count()).resolves.toBe(0)
      await expect(page.getByText('secret-run').count()).resolves.toBe(0)
    }
    const apiAnswer = await page.evaluate(async () => (await fetch('/api/v1/executions')).status)
    expect(apiAnswer).toBe(401)
    await screenshot(page, 'login')

    await page.getByLabel('Token').fill('not-the-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page
      .getByRole('alert')
      .getByText(/not the one/)
      .waitFor()
    expect(errors).toEqual([])
  })

  it('signs in with the token and returns to the page asked for', async () => {
    const { page, errors } = await openPage(browser, served.url)
    await page.goto(`${served.url}/executions/secret-run`)
    await page.getByLabel('Token').fill(TOKEN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: /Execution secret-run/ }).waitFor()
    const cookies = await page.context().cookies()
    expect(cookies).toEqual([expect.objectContaining({ name: 'zart_session', httpOnly: true, sameSite: 'Strict' })])
    expect(cookies[0]?.value).not.toContain(TOKEN)
    expect(errors).toEqual([])
  })

  it('signs in once with the one-time link, and not twice', async () => {
    const first = await openPage(browser, served.url)
    await first.page.goto(loginLink)
    await first.page.getByRole('heading', { name: 'Executions' }).waitFor()
    expect(new URL(first.page.url()).search).toBe('') // the code left the address bar
    await first.page.locator('tr[data-id="secret-run"]').waitFor()

    const second = await openPage(browser, served.url)
    const again = await second.page.goto(loginLink)
    expect(again?.status()).toBe(401)
    await second.page.getByText(/used already or has expired/).waitFor()
    expect([...first.errors, ...second.errors]).toEqual([])
  })
})
