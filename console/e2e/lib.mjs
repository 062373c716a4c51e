// What every walk shares: where screenshots go, a plain assertion, and signing in through the
// sign-in ticket as the mini-program approves it.
import { join, resolve } from 'node:path'
import { ROOT } from './service.mjs'

export const SHOTS = resolve(ROOT, 'console/test-results/screenshots')
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']
export const TIMEOUT = 20_000
export const stamp = Date.now().toString(36)

export function check(cond, message) {
  if (!cond) throw new Error(`断言失败: ${message}`)
}

export async function shot(page, name) {
  const { width, height } = page.viewportSize()
  await page.waitForTimeout(400) // let ECharts finish its entry animation
  await page.screenshot({ path: join(SHOTS, `${name}-${width}x${height}.png`) })
}

/** The two screens the console is used on: an office laptop and the 指挥中心's desk monitors. */
export const SIZES = [{ width: 1366, height: 768 }, { width: 1920, height: 1080 }]

/** A page's screenshot at every size in SIZES, resized in place (so charts and maps must redraw
 * themselves), then back to the size the walk had. */
export async function shotSizes(page, name) {
  const before = page.viewportSize()
  // a page shot, not a hover: the pointer left on a clicked row keeps its overflow tooltip open
  await page.mouse.move(0, 0)
  for (const size of SIZES) {
    await page.setViewportSize(size)
    await shot(page, name)
  }
  await page.setViewportSize(before)
}

/** A browser context already signed in as the given dev-login answer (token and user kept where the console keeps them). */
export async function signedInContext(browser, login, viewport = SIZES[0]) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' })
  await context.addInitScript(([token, user]) => {
    localStorage.setItem('ssp.console.token', token)
    localStorage.setItem('ssp.console.user', JSON.stringify(user))
  }, [login.token, login.user])
  return context
}

/** Sign in as the mini-program would approve: the page opens a ticket, the staff member's token approves it. */
export async function signIn(page, api, base, openid, path, screenshot) {
  const opened = page.waitForResponse((r) => r.url().endsWith('/api/v1/console/tickets') && r.request().method() === 'POST')
  await page.goto(`${base}/console${path}`)
  const ticket = await (await opened).json()
  await page.waitForURL(/\/console\/login/)
  await page.locator('[data-test=qr-img]').waitFor()
  if (screenshot) await shot(page, screenshot)
  const token = await api.login(openid)
  await api.call('POST', `/console/tickets/${encodeURIComponent(ticket.ticket)}/approve`, { token })
  await page.waitForURL((u) => u.pathname === `/console${path.split('?')[0]}`, { timeout: TIMEOUT })
  return token
}

