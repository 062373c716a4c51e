import { chromium } from 'playwright-core'
import { Api } from './api.mjs'
import { startService } from './service.mjs'
import { serveConsole } from './serve.mjs'
const service = await startService()
const web = await serveConsole('/work/wt-console-ui/console/dist', service.base)
const api = new Api(service.base)
const r = await api.fileReport('demo-resident', { ...service.centre, description: '测试案件 井盖破损，存在安全隐患' })
const r2 = await api.fileReport('demo-resident-2', { lat: service.centre.lat + 0.0003, lng: service.centre.lng, description: '测试案件 井盖破损又一处' })
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
const page = await (await b.newContext({ viewport: { width: 1366, height: 768 } })).newPage()
const login = await api.call('POST', '/auth/dev-login', { body: { openid: process.argv[2] || 'demo-community-admin' } })
await page.goto(web.base + '/console/login')
await page.evaluate(([t, u]) => { localStorage.setItem('ssp.console.token', t); localStorage.setItem('ssp.console.user', JSON.stringify(u)) }, [login.token, login.user])
for (const [name, path] of [['case', `/console/cases/${r.id}`], ['map', '/console/map'], ['load', '/console/load']]) {
  await page.goto(web.base + path)
  await page.waitForTimeout(2500)
  await page.screenshot({ path: `/tmp/scratch/${name}.png` })
}
await page.goto(web.base + `/console/cases/${r.id}`)
await page.waitForTimeout(1500)
const btn = page.locator('[data-action=reject]')
if (await btn.count()) { await btn.click(); await page.waitForTimeout(500); await page.locator('[data-test=action-submit]').click(); await page.waitForTimeout(500); await page.screenshot({ path: '/tmp/scratch/dialog.png' }) }
await b.close(); web.close(); service.stop()
