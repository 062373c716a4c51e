// The console's first load (empty cache, signed in, until the queue is on screen), measured and
// explained: each load's time, and for the last one every request with when it started and ended,
// so what the page waits for can be read off. With COMPARE=<another built dist> a second service
// serves that build and the loads alternate between the two (same machine, same moment).
//   node e2e/first-load.mjs            LOADS=7 by default
//   COMPARE=/tmp/dist-before node e2e/first-load.mjs
import { chromium } from 'playwright-core'
import { Api } from './api.mjs'
import { startService } from './service.mjs'
import { ARGS, CHROMIUM, TIMEOUT, signedInContext } from './lib.mjs'

const LOADS = Number(process.env.LOADS || 7)

/** One load in a fresh context; returns its time and the requests it made, in ms from the start. */
export async function measure(browser, base, login) {
  const context = await signedInContext(browser, login)
  const page = await context.newPage()
  const requests = []
  page.on('requestfinished', async (r) => {
    const t = r.timing()
    const size = (await r.sizes().catch(() => null))?.responseBodySize
    requests.push({ url: r.url().replace(base, ''), start: t.startTime, end: t.startTime + t.responseEnd, size })
  })
  const t0 = Date.now()
  await page.goto(`${base}/console/queue`)
  await page.locator('[data-test=queue-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  const ms = Date.now() - t0
  await page.waitForLoadState('networkidle')
  await context.close()
  for (const r of requests) {
    r.start = Math.round(r.start - t0)
    r.end = Math.round(r.end - t0)
  }
  return { ms, requests: requests.sort((a, b) => a.start - b.start) }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function waterfall(label, { ms, requests }) {
  console.log(`\n${label}: queue on screen at ${ms} ms; requests (start → end ms, bytes on the wire):`)
  for (const r of requests) {
    const bar = `${' '.repeat(Math.max(0, Math.round(r.start / 25)))}${'█'.repeat(Math.max(1, Math.round((r.end - r.start) / 25)))}`
    console.log(`${String(r.start).padStart(5)} → ${String(r.end).padStart(5)}  ${String(r.size ?? '').padStart(7)}  ${r.url.slice(0, 70).padEnd(70)} ${bar}`)
  }
}

async function main() {
  const services = [['this build', await startService()]]
  if (process.env.COMPARE) services.push([`COMPARE (${process.env.COMPARE})`, await startService({ SUISHOUPAI_CONSOLE_DIST: process.env.COMPARE })])
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  try {
    const runs = services.map(() => [])
    const logins = await Promise.all(services.map(([, s]) => new Api(s.base).call('POST', '/auth/dev-login', { body: { openid: 'demo-community-admin' } })))
    // one load each to warm the service (its workers, the database's pages), not counted
    for (const [i, [, s]] of services.entries()) await measure(browser, s.base, logins[i])
    for (let n = 0; n < LOADS; n++) {
      for (const [i, [, s]] of services.entries()) runs[i].push(await measure(browser, s.base, logins[i]))
    }
    for (const [i, [label]] of services.entries()) {
      const times = runs[i].map((r) => r.ms)
      waterfall(label, runs[i][runs[i].length - 1])
      console.log(`${label}: first load ${times.join(' / ')} ms — median ${median(times)} ms`)
    }
  } finally {
    await browser.close()
    for (const [, s] of services) s.stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
