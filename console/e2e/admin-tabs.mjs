// The administrators' two tabs of the 工作台, as the community admin: 待核查 (an after-photo the
// check flagged) and 待审核 (content the provider sent to a person). Each case shows under its tab
// with the tab's count, is settled through the case file's own action and leaves the tab.
import { tinyJpeg } from './api.mjs'
import { TIMEOUT, check, shot, shotSizes, signIn, stamp } from './lib.mjs'

/** The count the tab's badge shows, once it equals the API's (the badge is hidden at 0). */
async function expectCount(page, api, token, tab) {
  const counts = await api.call('GET', '/admin/queue/counts', { token })
  const n = counts[tab]
  const badge = page.locator(`[data-test=count-${tab}] .el-badge__content`)
  if (n) await badge.filter({ hasText: new RegExp(`^\\s*${n}\\s*$`) }).waitFor({ timeout: TIMEOUT })
  else await badge.waitFor({ state: 'hidden', timeout: TIMEOUT })
  return n
}

/** The tab opened by clicking it, and the case's row there (searched for when not on the first page). */
async function openTab(page, base, tab, text) {
  await page.goto(`${base}/console/queue`)
  await page.locator('[data-test=queue-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  const listed = (q) => page.waitForResponse((r) => {
    const u = new URL(r.url())
    return u.pathname.endsWith('/admin/queue') && u.searchParams.get('tab') === tab && (u.searchParams.get('q') ?? '') === q
  })
  const first = listed('')
  await page.locator(`[data-tab=${tab}]`).click()
  await first
  await page.locator('[data-test=queue-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  const row = page.locator('[data-test=queue-table] .el-table__row', { hasText: text })
  if (await row.count()) return row
  const searched = listed(text)
  await page.getByPlaceholder('搜索描述、地址').fill(text)
  await page.getByPlaceholder('搜索描述、地址').press('Enter')
  await searched
  await page.locator('[data-test=queue-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  return row
}

/** The tab searched for the case's text: nothing found. */
async function expectGone(page, base, tab, text, message) {
  const listed = page.waitForResponse((r) => {
    const u = new URL(r.url())
    return u.pathname.endsWith('/admin/queue') && u.searchParams.get('tab') === tab && u.searchParams.get('q') === text
  })
  await page.goto(`${base}/console/queue?tab=${tab}&q=${encodeURIComponent(text)}`)
  await listed
  await page.locator('[data-state=empty]').waitFor({ timeout: TIMEOUT })
  check(!(await page.locator('[data-test=queue-table] .el-table__row', { hasText: text }).count()), message)
  // back to the whole tab, as the admin sees it next
  await page.goto(`${base}/console/queue?tab=${tab}`)
  await page.locator('[data-test=queue-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
}

async function actOnCase(page, action, fill) {
  await page.locator(`[data-action=${action}]`).click()
  const dialog = page.locator('.el-dialog', { has: page.locator('[data-test=action-submit]') })
  await dialog.waitFor()
  await fill(dialog)
  await dialog.locator('[data-test=action-submit]').click()
  await dialog.waitFor({ state: 'hidden', timeout: TIMEOUT })
}

/** The community admin signs in, finds the case in an administrators' tab (counted as the API
 * counts it), shoots the tab at both sizes and opens the case file. */
async function openFromTab(page, api, base, tab, text, id) {
  const token = await signIn(page, api, base, 'demo-community-admin', '/queue')
  const row = await openTab(page, base, tab, text)
  await row.waitFor({ timeout: TIMEOUT })
  const before = await expectCount(page, api, token, tab)
  check(before >= 1, `${{ flagged: "待核查", moderation: "待审核" }[tab]}应至少有 1 件，API 计数为 ${before}`)
  await shotSizes(page, `community-admin-${tab}`)
  await row.click()
  await page.waitForURL(`**/console/cases/${id}`)
  await page.locator('[data-test=actions]').waitFor()
  return { token, before, detail: await api.call('GET', `/reports/${id}`, { token }) }
}

/** 待核查: the grid member closes a case with the resident's own photo; the admin reviews the flag. */
export async function flaggedWalk(page, api, base, centre) {
  const text = `照片核查-${stamp}`
  const description = `${text} 楼道堆放杂物堵塞消防通道`
  const spot = { lat: centre.lat - 0.0005, lng: centre.lng + 0.0004 }
  const report = await api.fileReport(`walk-flag-${stamp}`, { ...spot, description })
  // the grid member of the spot takes it up and "resolves" it with the very picture the resident sent
  const member = await api.login('demo-grid-member')
  await api.call('POST', `/reports/${report.id}/accept`, { token: member, body: {} })
  const form = new FormData()
  form.append('file', new Blob([tinyJpeg(description)], { type: 'image/jpeg' }), 'after.jpg')
  const media = await api.call('POST', '/media', { token: member, form })
  const resolved = await api.call('POST', `/reports/${report.id}/resolve`,
    { token: member, body: { media_ids: [media.id], note: '已清理' } })
  check(resolved.status === 'resolved', `网格员办结后状态应为 resolved，实际 ${resolved.status}`)

  const { token, before, detail } = await openFromTab(page, api, base, 'flagged', text, report.id)
  check(detail.actions.includes('review_flags'), `社区管理员应可核查 #${report.id} 的照片（actions: ${detail.actions}）`)
  check(detail.flags?.some((f) => f.kind === 'same_as_before' && !f.reviewed_at), `#${report.id} 应有未核查的「与上报照片相同」提示`)
  const flag = page.locator('.flags .flag', { hasText: '办结照片与上报照片相同' })
  await flag.waitFor({ timeout: TIMEOUT })
  await shot(page, 'community-admin-flagged-case')
  await actOnCase(page, 'review_flags', async (d) => {
    await d.locator('[data-field=note]').fill('已电话核实，现场确已清理，照片为网格员误传')
    await shot(page, 'community-admin-flagged-review')
  })
  await page.locator('.flags .flag', { hasText: '（已核查）' }).waitFor({ timeout: TIMEOUT })
  check(!(await page.locator('[data-action=review_flags]').count()), '核查后不应再显示「核查照片」')
  const reviewed = await api.call('GET', `/reports/${report.id}`, { token })
  check(reviewed.flags.every((f) => f.reviewed_at && f.review_note?.includes('已电话核实')), '核查应记下时间与备注')
  await shot(page, 'community-admin-flagged-reviewed')

  await expectGone(page, base, 'flagged', text, `核查后 #${report.id} 应离开待核查`)
  const after = await expectCount(page, api, token, 'flagged')
  check(after === before - 1, `待核查计数应从 ${before} 变为 ${before - 1}，实际 ${after}`)
  await shot(page, 'community-admin-flagged-after')
}

/** 待审核: WeChat answered "review" for a resident's text; the admin passes it from the case file. */
export async function moderationTabWalk(page, api, base, service) {
  const text = `待审核-${stamp}`
  const spot = { lat: service.centre.lat + 0.0006, lng: service.centre.lng - 0.0005 }
  const report = await api.fileReport(`walk-review-${stamp}`, { ...spot, description: `${text} 路边电线杆贴满办证小广告` })
  // the provider's verdict (in development everything passes): recorded as WeChat's answer would be
  service.sql(`UPDATE moderation_checks SET status = 'review' WHERE subject_type = 'report' AND subject_id = ${report.id} AND field = 'text'`)
  service.sql(`UPDATE reports SET moderation = 'review' WHERE id = ${report.id}`)

  const { token, before, detail } = await openFromTab(page, api, base, 'moderation', text, report.id)
  check(detail.actions.includes('moderate'), `社区管理员应可审核 #${report.id}（actions: ${detail.actions}）`)
  await actOnCase(page, 'moderate', async (d) => {
    await d.locator('[data-field=decision]').getByText('通过').click()
    await d.locator('[data-field=note]').fill('张贴广告的举报，内容无违规')
    await shot(page, 'community-admin-moderate-form')
  })
  await page.locator('.el-message--success', { hasText: '内容审核成功' }).waitFor({ timeout: TIMEOUT })
  check(!(await page.locator('[data-action=moderate]').count()), '审核后不应再显示「内容审核」')
  const passed = await api.call('GET', `/reports/${report.id}`, { token })
  check(passed.moderation === 'pass', `案件的审核状态应为 pass，实际 ${passed.moderation}`)
  await shot(page, 'community-admin-moderated')

  await expectGone(page, base, 'moderation', text, `审核后 #${report.id} 应离开待审核`)
  const after = await expectCount(page, api, token, 'moderation')
  check(after === before - 1, `待审核计数应从 ${before} 变为 ${before - 1}，实际 ${after}`)
  await shot(page, 'community-admin-moderation-after')
}
