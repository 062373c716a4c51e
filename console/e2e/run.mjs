// Browser walks through the console against a live demo service, in the system's Chromium:
// the community admin, the street admin and the department each sign in by an approved ticket,
// find a case the demo resident filed a moment before, act on it and see the change in the queue.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { Api, tinyJpeg } from './api.mjs'
import { ROOT, startService } from './service.mjs'
import { serveConsole } from './serve.mjs'
import { ARGS, CHROMIUM, SHOTS, TIMEOUT, check, shot, shotSizes, signIn, signedInContext, stamp } from './lib.mjs'
import { gridMemberWishes, wishAdmin } from './wishes.mjs'
import { pointsAdmin } from './points.mjs'
import { moderationAdmin } from './moderation.mjs'
import { catalogAdmin } from './catalog.mjs'
import { creditsWalk, inboxWalk } from './inbox.mjs'
import { orgAdmin } from './org.mjs'
import { flaggedWalk, moderationTabWalk } from './admin-tabs.mjs'
import { orgImport } from './org-import.mjs'
import { createWalk } from './create.mjs'
import { scanArgs, scanPickup } from './scan.mjs'

/** The queue row of a case, looked for in the tabs given; returns the tab it was found in. */
async function findInQueue(page, base, id, text, tabs) {
  for (const tab of tabs) {
    await page.goto(`${base}/console/queue?tab=${tab}&q=${encodeURIComponent(text)}`)
    const table = page.locator('[data-test=queue-table], [data-state=empty], [data-state=error]').first()
    await table.waitFor({ timeout: TIMEOUT })
    const row = page.locator('.el-table__row', { hasText: text })
    if (await row.count()) return { tab, row }
  }
  throw new Error(`案件 #${id}（${text}）不在工作台的 ${tabs.join('/')} 里`)
}

async function expectActionsAsApi(page, api, token, id) {
  const detail = await api.call('GET', `/reports/${id}`, { token })
  await page.locator('[data-test=actions]').waitFor()
  const shown = await page.locator('[data-test=actions] [data-action]').evaluateAll((els) => els.map((e) => e.dataset.action))
  check(JSON.stringify(shown) === JSON.stringify(detail.actions), `操作按钮 ${shown} 应与 API 的 actions ${detail.actions} 一致`)
  return detail
}

async function act(page, action, fill) {
  await page.locator(`[data-action=${action}]`).click()
  const dialog = page.locator('.el-dialog', { has: page.locator('[data-test=action-submit]') })
  await dialog.waitFor()
  if (fill) await fill(dialog)
  await dialog.locator('[data-test=action-submit]').click()
}

async function communityAdmin(page, api, base, centre) {
  const text = `社区演示-${stamp}`
  const report = await api.fileReport('demo-resident', { ...centre, description: `${text} 路灯不亮，夜间行人看不清` })
  const token = await signIn(page, api, base, 'demo-community-admin', '/queue', 'login')
  await page.locator('[data-test=queue-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'community-admin-queue')
  // the search box as a person uses it
  await page.getByPlaceholder('搜索描述、地址').fill(text)
  await page.getByPlaceholder('搜索描述、地址').press('Enter')
  const { row, tab } = await findInQueue(page, base, report.id, text, ['dispatch', 'accept', 'in_progress', 'overdue'])
  await shot(page, 'community-admin-queue-search')
  await row.click()
  await page.waitForURL(`**/console/cases/${report.id}`)
  const detail = await expectActionsAsApi(page, api, token, report.id)
  check(detail.actions.includes('accept'), `社区管理员应可受理 #${report.id}（actions: ${detail.actions}）`)
  await page.locator('[data-test=grid-map] canvas').first().waitFor()
  await shotSizes(page, 'community-admin-case')
  await act(page, 'accept', async (d) => d.locator('textarea').fill('社区已安排人员处理'))
  await page.locator('[data-test=case-status]', { hasText: '已受理' }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'community-admin-case-accepted')
  const after = await findInQueue(page, base, report.id, text, ['in_progress', tab, 'accept', 'overdue'])
  check(await after.row.locator('.el-tag', { hasText: '已受理' }).count(), '工作台里的案件应显示为已受理')
  await shot(page, 'community-admin-queue-after')

  await page.getByRole('menuitem', { name: '网格地图' }).click()
  const canvas = page.locator('[data-test=grid-map] canvas').first()
  await canvas.waitFor({ timeout: TIMEOUT })
  await page.locator('[data-test=grid-overview]').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'community-admin-map')
  // click the grid holding the case: its members and its queue open beside the map
  const grid = detail.grid.name
  const spot = await page.evaluate(([lng, lat]) => {
    const el = document.querySelector('[data-test=grid-map]')
    const chart = window.__sspCharts?.get(el)
    return chart ? chart.convertToPixel({ geoIndex: 0 }, [lng, lat]) : null
  }, [detail.location.lng, detail.location.lat])
  check(spot, '地图实例不可用')
  // the chart draws on stacked canvases: click where the spot is, a little off the point itself
  const box = await page.locator('[data-test=grid-map]').boundingBox()
  await page.mouse.click(box.x + spot[0] + 12, box.y + spot[1] + 12)
  await page.locator('.side .card-title', { hasText: grid }).waitFor({ timeout: TIMEOUT })
  await page.locator('.side .item', { hasText: `#${report.id}` }).waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'community-admin-map-grid')

  // 调度: move the case from its grid member to another from the load board
  await page.getByRole('menuitem', { name: '调度' }).click()
  await page.locator('[data-test=members-table]').waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'community-admin-load')
  const holder = detail.assignee.name
  await page.locator('[data-test=members-table] .el-table__row', { hasText: holder }).first().click()
  const line = page.locator('[data-test=reassign-row]', { hasText: `#${report.id}` })
  await line.waitFor({ timeout: TIMEOUT })
  await line.locator('.el-select').click()
  const option = page.locator('.el-select-dropdown__item:visible').first()
  const other = (await option.innerText()).split('（')[0]
  await option.click()
  await line.getByRole('button', { name: '改派' }).click()
  await page.locator('.el-message--success', { hasText: `案件 #${report.id} 已改派` }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'community-admin-load-reassigned')
  const moved = await api.call('GET', `/reports/${report.id}`, { token })
  check(moved.assignee?.name === other, `改派后处理人应为 ${other}，实际为 ${moved.assignee?.name}`)


  // the token stops working: back to sign-in, and after signing in again, back on the same page
  const consoleToken = await page.evaluate(() => localStorage.getItem('ssp.console.token'))
  await api.call('POST', '/auth/logout', { token: consoleToken })
  await page.goto(`${base}/console/map`)
  await page.waitForURL(/\/console\/login\?.*redirect=(%2F|\/)map/, { timeout: TIMEOUT })
  await shot(page, 'community-admin-expired')
  await signIn(page, api, base, 'demo-community-admin', '/map')
}

async function streetAdmin(page, api, base, centre, state) {
  const text = `街道演示-${stamp}`
  const report = await api.fileReport('demo-resident-2', { lat: centre.lat + 0.0012, lng: centre.lng + 0.0008,
    description: `${text} 占道经营堵住人行道` })
  const token = await signIn(page, api, base, 'demo-street-admin', '/queue')
  const { row } = await findInQueue(page, base, report.id, text, ['dispatch', 'accept', 'in_progress', 'overdue'])
  await shotSizes(page, 'street-admin-queue')
  await page.getByRole('button', { name: /^筛选/ }).click()
  await page.locator('.filters').waitFor()
  await page.locator('.filters .el-form-item', { hasText: '类别' }).locator('.el-select').click()
  await page.locator('.el-select-dropdown__item:visible').first().waitFor({ timeout: TIMEOUT })
  await shot(page, 'street-admin-queue-filters')
  await page.keyboard.press('Escape')
  // 常用筛选: keep this search under a name; it is listed again, by the page and by the API
  const name = `占道-${stamp}`
  await page.getByRole('button', { name: '常用筛选' }).click()
  await page.locator('.el-dropdown-menu__item:visible', { hasText: '保存当前筛选' }).click()
  const prompt = page.locator('.el-message-box')
  await prompt.locator('input').fill(name)
  await shot(page, 'street-admin-save-filter')
  await prompt.getByRole('button', { name: '保存' }).click()
  await page.locator('.el-message--success', { hasText: '已保存' }).waitFor({ timeout: TIMEOUT })
  await page.getByRole('button', { name: '常用筛选' }).click()
  await page.locator('.el-dropdown-menu__item:visible', { hasText: name }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'street-admin-saved-filters')
  const kept = await api.call('GET', '/me/saved-filters', { token })
  check(kept.items.some((f) => f.name === name && f.filters.q === text), `保存的筛选「${name}」应在 API 的列表里`)
  await page.keyboard.press('Escape')
  await row.click()
  await page.waitForURL(`**/console/cases/${report.id}`)
  const detail = await expectActionsAsApi(page, api, token, report.id)
  check(detail.actions.includes('transfer'), `街道管理员应可转办 #${report.id}（actions: ${detail.actions}）`)
  await act(page, 'transfer', async (d) => {
    await d.locator('[data-field=department_id]').click()
    await page.locator('.el-select-dropdown__item', { hasText: '城管' }).first().click()
    await d.locator('textarea').fill('请城管部门处理占道经营')
    await shot(page, 'street-admin-transfer-form')
  })
  await page.locator('[data-test=case-status]', { hasText: '已转办' }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'street-admin-case-transferred')
  const after = await findInQueue(page, base, report.id, text, ['in_progress', 'accept', 'dispatch', 'overdue'])
  check(await after.row.locator('.el-tag', { hasText: '已转办' }).count(), '工作台里的案件应显示为已转办')
  await page.getByRole('menuitem', { name: '调度' }).click()
  await page.locator('[data-test=members-table], [data-state=error]').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'street-admin-load')
  state.transferred = { id: report.id, text }
}

async function department(page, api, base, state) {
  const { id, text } = state.transferred
  const token = await signIn(page, api, base, 'demo-department', '/queue')
  const { row, tab } = await findInQueue(page, base, id, text, ['accept', 'in_progress', 'overdue'])
  // 待派单, 待核查 and 待审核 are the administrators' tabs
  const tabs = await page.locator('.tabs [data-tab]').evaluateAll((els) => els.map((e) => e.dataset.tab))
  check(tabs.join() === 'accept,in_progress,overdue', `部门的工作台应只有 待受理/处理中/已超时，实际 ${tabs}`)
  await shotSizes(page, 'department-queue')
  await row.click()
  await page.waitForURL(`**/console/cases/${id}`)
  const detail = await expectActionsAsApi(page, api, token, id)
  check(detail.actions.includes('accept'), `部门应可受理 #${id}（actions: ${detail.actions}）`)
  // the case's grid is drawn for the department too (its outlines come with the case, not from /admin/grids)
  await page.locator('.case [data-test=grid-map] canvas').first().waitFor({ timeout: TIMEOUT })
  const outlines = await api.call('GET', `/reports/${id}/grids`, { token })
  check(outlines.items.some((g) => g.id === outlines.grid_id && g.geometry), `部门应能看到 #${id} 所在网格的边界`)
  await shotSizes(page, 'department-case')
  // someone else in the department takes it first: the refusal is the API's own Chinese message
  const colleague = await api.login('demo-department')
  await api.call('POST', `/reports/${id}/accept`, { token: colleague, body: { note: '同事已受理' } })
  await act(page, 'accept')
  const err = page.locator('[data-test=action-error]')
  await err.waitFor({ timeout: TIMEOUT })
  const message = (await err.innerText()).trim()
  check(/[\u4e00-\u9fa5]/.test(message), `拒绝时应显示中文错误，实际为「${message}」`)
  await shot(page, 'department-refused')
  await page.reload()
  await page.locator('[data-test=case-status]', { hasText: '已受理' }).waitFor({ timeout: TIMEOUT })
  const after = await findInQueue(page, base, id, text, ['in_progress', tab, 'overdue'])
  check(await after.row.locator('.el-tag', { hasText: '已受理' }).count(), '部门工作台里的案件应显示为已受理')
  await shot(page, 'department-queue-after')

  // 办结 with an after-photo uploaded in the form
  await after.row.click()
  await page.waitForURL(`**/console/cases/${id}`)
  const held = await expectActionsAsApi(page, api, token, id)
  check(held.actions.includes('resolve'), `部门应可办结 #${id}（actions: ${held.actions}）`)
  await act(page, 'resolve', async (d) => {
    await d.locator('input[type=file]').setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: tinyJpeg(`办结-${stamp}`) })
    await d.locator('img.thumb').first().waitFor({ timeout: TIMEOUT })
    await d.locator('textarea').fill('占道摊点已清理')
    await shot(page, 'department-resolve-form')
  })
  await page.locator('[data-test=case-status]', { hasText: '已办结' }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'department-case-resolved')
  const resolved = await api.call('GET', `/reports/${id}`, { token })
  check(resolved.timeline.some((t) => t.action === 'resolve' && t.photos?.length), '办结应带上处理后的照片')
}

/** 统计分析 as the street admin: the numbers with their definitions, trend and units, an export. */
async function streetStats(page, api, base, centre) {
  // a few cases of today, one of them handled, so the figures are not all empty in a fresh demo
  const member = await api.login('demo-grid-member')
  // another resident and a category each: not refused as repeat filings
  const cats = await api.call('GET', '/categories', { token: member })
  for (const [i, words] of ['垃圾桶满溢无人清运', '路灯夜间不亮', '共享单车乱停堵塞盲道'].entries()) {
    const r = await api.fileReport('demo-resident-2', { lat: centre.lat + 0.0003 * i, lng: centre.lng - 0.0002 * i,
      category: cats[(i + 1) % cats.length].code, description: `统计演示-${stamp}-${i} ${words}` })
    // the first lies in the demo grid member's grid: accepted there
    if (i === 0) {
      await api.call('POST', `/reports/${r.id}/accept`, { token: member, body: {} })
    }
  }
  await signIn(page, api, base, 'demo-street-admin', '/stats')
  await page.locator('[data-test=kpis], [data-state=error]').first().waitFor({ timeout: TIMEOUT })
  check(await page.locator('[data-test=kpis]').count(), '统计页应显示指标卡片')
  const closure = (await page.locator('[data-test=kpi-closure_rate]').innerText()).trim()
  check(closure.includes('办结率'), `指标卡片应有办结率，实际为「${closure}」`)
  await shotSizes(page, 'street-admin-stats')
  await page.locator('[data-test=def-closure_rate]').click()
  const popover = page.locator('.el-popover:visible', { hasText: '分母' })
  await popover.waitFor({ timeout: TIMEOUT })
  check((await popover.innerText()).includes('驳回'), '办结率口径应说明驳回案件不计')
  await shot(page, 'street-admin-stats-definition')
  await page.keyboard.press('Escape')
  await page.locator('[data-test=def-closure_rate]').click()
  await page.locator('[data-test=bucket]').getByText('按周').click()
  await page.locator('[data-test=units]').scrollIntoViewIfNeeded()
  await page.locator('[data-test=units] [data-test=units-table], [data-test=units] [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'street-admin-stats-units')
  const csv = page.locator('[data-test=units-export-CSV]')
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: TIMEOUT }), csv.click()])
  check(file.suggestedFilename().endsWith('.csv'), `导出应为 CSV 文件，实际为 ${file.suggestedFilename()}`)
  await page.locator('[data-test=overdue]').scrollIntoViewIfNeeded()
  await shotSizes(page, 'street-admin-stats-categories')
  await page.getByRole('menuitem', { name: '大屏' }).click()
  await page.locator('[data-test=screen-create]').waitFor()
  await page.locator('[data-test=screen-create]').click()
  await page.locator('[data-test=screen-link]').waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'street-admin-screens')
}

/** The number a screen counter shows. */
async function counter(page, key) {
  const text = (await page.locator(`[data-test=counter-${key}] .num`).innerText()).trim()
  return Number.parseInt(text, 10)
}

/** The wall at 1920×1080: opened by its link, live counters that move after a filing, a network blip
 * shown with the time of the last good data, and a signed-in admin opening it without a prompt. */
async function wallScreen(page, api, base, centre, browser) {
  const admin = await api.login('demo-street-admin')
  const made = await api.call('POST', '/screen-tokens', { token: admin, body: { name: '走查大屏' } })
  await page.goto(`${base}/console/screen?token=${encodeURIComponent(made.token)}`)
  await page.locator('[data-test=counter-filed] .num').filter({ hasText: /^\d+$/ }).waitFor({ timeout: TIMEOUT })
  check(!page.url().includes('token='), '大屏令牌不应留在地址栏')
  check(!(await page.locator('[data-test=qr-img]').count()), '大屏不应出现登录二维码')
  const before = await counter(page, 'filed')
  await page.locator('[data-test=grid-map] canvas').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'screen')
  const report = await api.fileReport('demo-resident', { lat: centre.lat + 0.0004, lng: centre.lng - 0.0006,
    description: `大屏演示-${stamp} 井盖松动，车辆经过有响声` })
  await page.waitForFunction((n) => Number.parseInt(document.querySelector('[data-test=counter-filed] .num')?.textContent ?? '', 10) > n,
    before, { timeout: 30_000 })
  const after = await counter(page, 'filed')
  check(after === before + 1, `今日上报应从 ${before} 变为 ${before + 1}，实际为 ${after}`)
  const latest = await page.locator('[data-test=latest]').innerText()
  check(!latest.includes('井盖松动'), '大屏的最新案件不应显示描述原文')
  await shot(page, 'screen-after-filing')
  await page.context().setOffline(true)
  await page.locator('[data-test=stale]').waitFor({ timeout: 30_000 })
  check((await counter(page, 'filed')) === after, '断网时应继续显示最后一次的数据')
  await shot(page, 'screen-offline')
  await page.context().setOffline(false)
  await page.locator('[data-test=updated]').waitFor({ timeout: 30_000 })
  // an admin already signed in opens the screen: no prompt, a token of their own is opened for it
  const login = await api.call('POST', '/auth/dev-login', { body: { openid: 'demo-community-admin' } })
  const context = await signedInContext(browser, login, { width: 1920, height: 1080 })
  const staff = await context.newPage()
  await staff.goto(`${base}/console/screen`)
  await staff.locator('[data-test=counter-filed] .num').filter({ hasText: /^\d+$/ }).waitFor({ timeout: TIMEOUT })
  check(staff.url().endsWith('/console/screen'), `管理员打开大屏不应跳转登录，实际为 ${staff.url()}`)
  await context.close()
  // revoked: the wall says so instead of showing figures it can no longer read
  await api.call('POST', `/screen-tokens/${made.id}/revoke`, { token: admin })
  await page.reload()
  await page.locator('[data-test=screen-blocked]').waitFor({ timeout: TIMEOUT })
  await shot(page, 'screen-revoked')
  return report
}

/** The console's first load with an empty cache, signed in, until the queue is on screen (printed, not asserted). */
async function firstLoad(browser, api, base) {
  const login = await api.call('POST', '/auth/dev-login', { body: { openid: 'demo-community-admin' } })
  const context = await signedInContext(browser, login)
  const page = await context.newPage()
  const t0 = Date.now()
  await page.goto(`${base}/console/queue`)
  await page.locator('[data-test=queue-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  const ms = Date.now() - t0
  await context.close()
  return ms
}

async function main() {
  mkdirSync(SHOTS, { recursive: true })
  const service = await startService()
  let web = { base: service.base, close() {} }
  const probe = await fetch(`${service.base}/console/`)
  if (!(probe.ok && (await probe.text()).includes('id="app"'))) {
    console.log('!!! the service does not serve /console/ (yet): serving console/dist in front of it for this run')
    web = await serveConsole(resolve(ROOT, 'console/dist'), service.base)
  }
  const api = new Api(service.base)
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  const state = {}
  const walks = [
    ['社区管理员', (p) => communityAdmin(p, api, web.base, service.centre)],
    ['街道管理员', (p) => streetAdmin(p, api, web.base, service.centre, state)],
    ['职能部门', (p) => department(p, api, web.base, state)],
    ['待核查·社区管理员', (p) => flaggedWalk(p, api, web.base, service.centre)],
    ['待审核·社区管理员', (p) => moderationTabWalk(p, api, web.base, service)],
    ['微心愿·社区管理员', (p) => wishAdmin(p, api, web.base)],
    ['微心愿·网格员', (p) => gridMemberWishes(p, api, web.base)],
    ['新就业群体·街道管理员', (p) => pointsAdmin(p, api, web.base)],
    ['内容安全·区级管理员', (p) => moderationAdmin(p, api, web.base, service)],
    ['目录·区级管理员', (p) => catalogAdmin(p, api, web.base)],
    ['通知·网格员', (p) => inboxWalk(p, api, web.base, service)],
    ['通知·街道管理员', (p) => creditsWalk(p, api, web.base, service)],
    ['组织·社区管理员', (p) => orgAdmin(p, api, web.base)],
    ['组织导入·区级管理员', (p) => orgImport(p, api, web.base, service.centre)],
    ['新建·街道与区级管理员', (p) => createWalk(p, api, web.base)],
    // its own Chromium, with a fake camera playing a QR code the walk draws
    ['扫码核销·街道管理员', (p) => scanPickup(p, api, web.base), null, scanArgs],
    ['统计分析', (p) => streetStats(p, api, web.base, service.centre)],
    ['大屏', (p) => wallScreen(p, api, web.base, service.centre, browser), { width: 1920, height: 1080 }],
  ]
  const only = process.env.WALK
  let failed = 0
  try {
    for (const [name, walk, viewport, extraArgs] of walks) {
      if (only && !name.includes(only)) continue
      const own = extraArgs ? await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extraArgs()], headless: true }) : null
      const context = await (own ?? browser).newContext({ viewport: viewport ?? { width: 1366, height: 768 }, locale: 'zh-CN' })
      const page = await context.newPage()
      page.setDefaultTimeout(TIMEOUT)
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      const t0 = Date.now()
      try {
        await walk(page)
        check(!errors.length, `页面脚本错误: ${errors.join('; ')}`)
        console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
      } catch (e) {
        failed++
        await page.screenshot({ path: join(SHOTS, `FAILED-${name}.png`) }).catch(() => {})
        console.log(`FAIL ${name}: ${e.message}\n     at ${page.url()}`)
      }
      await context.close()
      await own?.close()
    }
    if (!only) console.log(`first load (empty cache, signed in, queue on screen): ${await firstLoad(browser, api, web.base)} ms`)
  } finally {
    await browser.close()
    web.close()
    if (failed) console.log(service.log().split('\n').slice(-30).join('\n'))
    service.stop()
  }
  console.log(`screenshots: ${SHOTS}`)
  process.exit(failed ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
