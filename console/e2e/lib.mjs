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

