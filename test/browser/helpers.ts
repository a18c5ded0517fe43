import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll } from 'vitest'

/** Debian's chromium package, or ZART_TEST_CHROMIUM; no browser is ever downloaded. */
export const CHROMIUM = process.env.ZART_TEST_CHROMIUM ?? '/usr/bin/chromium'

/**
 * True when there is a browser to drive. Without one the suite is skipped here, and
 * `.ci/run` (through scripts/check-backends.mjs) fails on a skipped browser suite.
 */
export const HAVE_CHROMIUM = existsSync(CHROMIUM)

/**
 * Where the tests save a screenshot of each page: `.tmp/screenshots/` by default, so that
 * `npm test` leaves the working tree clean; `npm run screenshots` writes the ones the
 * README shows, under docs/screenshots/.
 */
export const SCREENSHOTS = fileURLToPath(
  new URL(`../../${process.env.ZART_SCREENSHOTS_DIR ?? '.tmp/screenshots'}/`, import.meta.url),
)

/**
 * Starts headless chromium, closed after the test file. `launch` (not a persistent
 * context) gives it a fresh temporary profile of its own, removed when it closes.
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  afterAll(async () => {
    await browser.close()
  })
  return browser
}

/**
 * A new page that fails the test on any script error and on any request that leaves the
 * server under test (the dashboard must make no external requests).
 */
export async function openPage(
  browser: Browser,
  base: string,
): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`))
  page.on('request', (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith('data:'))
      errors.push(`external request: ${request.url()}`)
  })
  return { page, context, errors }
}

/** Saves a full-page screenshot as SCREENSHOTS/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}
