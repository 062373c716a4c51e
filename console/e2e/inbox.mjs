// 通知 walk as the grid member: a resident's report lands in their grid, the assignment is in
// their inbox; opening it marks it read and the API's unread count drops.
import { TIMEOUT, check, shot, shotSizes, signIn, stamp } from './lib.mjs'

export async function inboxWalk(page, api, base, service) {
  const { centre } = service
  const member = await api.login('demo-grid-member')
  // a send WeChat refused for want of credit (43101): the side list names its kind in words
  service.sql("INSERT INTO notify_quota_misses (user_id, kind, count, last_at) SELECT id, 'report_assigned', 1, "
    + "'2026-12-07 02:30:00.000000' FROM users WHERE openid = 'demo-grid-member'")
  const before = await api.call('GET', '/inbox?limit=1', { token: member })
  await api.fileReport(`walk-inbox-${stamp}`, { ...centre, description: `消息演示-${stamp} 单元门禁坏了关不上` })
  const now = await api.call('GET', '/inbox?limit=5', { token: member })
  check(now.unread_count > before.unread_count, `网格员应收到新消息（未读 ${before.unread_count} → ${now.unread_count}）`)
  await signIn(page, api, base, 'demo-grid-member', '/inbox')
  const first = page.locator('[data-test=inbox-item].unread').first()
  await first.waitFor({ timeout: TIMEOUT })
  const kind = page.locator('[data-test=quota-kind]').first()
  await kind.waitFor({ timeout: TIMEOUT })
  check((await kind.innerText()).trim() === '案件派发', `需要重新订阅的提醒应写明消息类型，实际「${await kind.innerText()}」`)
  await shotSizes(page, 'inbox')
  // the row's own hint says 点击标为已读 too: wait for the API's answer, not for text on the page
  const marked = page.waitForResponse((r) => /\/inbox\/\d+\/read$/.test(r.url()) && r.request().method() === 'POST')
  await first.click()
  check((await marked).ok(), '标为已读的请求应成功')
  const after = await api.call('GET', '/inbox?limit=1', { token: member })
  check(after.unread_count === now.unread_count - 1, `标为已读后未读应为 ${now.unread_count - 1}，实际 ${after.unread_count}`)
  if (after.unread_count) {
    await page.locator('[data-action=read-all]').click()
    await page.locator('.el-message--success', { hasText: '标为已读' }).waitFor({ timeout: TIMEOUT })
    check((await api.call('GET', '/inbox?limit=1', { token: member })).unread_count === 0, '全部已读后未读应为 0')
  }
  await shot(page, 'inbox-read')
  // subscribed again in the mini-program: the reminder goes
  await api.call('POST', '/inbox/quota/report_assigned/reset', { token: member })
}

// 通知 walk as the street admin: the credit table starts empty (its designed empty state); once
// WeChat has refused two sends to the grid member for want of credit (43101, WeChat's verdict,
// written as the worker records it), the row shows; after the member subscribes again it reads 已恢复.
export async function creditsWalk(page, api, base, service) {
  const token = await signIn(page, api, base, 'demo-street-admin', '/notify/credits')
  await page.locator('[data-state=empty]', { hasText: '没有因订阅额度用完而漏推' }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'credits-empty')
  // (the inbox walk may have left the member's row, at zero once subscribed again)
  service.sql("INSERT INTO notify_quota_misses (user_id, kind, count, last_at) SELECT id, 'report_assigned', 2, "
    + "'2026-12-07 02:30:00.000000' FROM users WHERE openid = 'demo-grid-member' "
    + "ON CONFLICT (user_id, kind) DO UPDATE SET count = 2, last_at = excluded.last_at")
  await page.reload()
  const row = page.locator('[data-test=credit-table] .el-table__row', { hasText: '王网格' })
  await row.waitFor({ timeout: TIMEOUT })
  check((await row.innerText()).includes('案件派发') && (await row.innerText()).includes('已用完'), `额度行应为 案件派发·已用完：${await row.innerText()}`)
  await shotSizes(page, 'credits')
  const member = await api.login('demo-grid-member')
  await api.call('POST', '/inbox/quota/report_assigned/reset', { token: member })
  await page.locator('[data-field=refused-only]').click()
  await page.locator('[data-test=credit-table] .el-table__row', { hasText: '已恢复' }).waitFor({ timeout: TIMEOUT })
  const table = await api.call('GET', '/admin/notify/credits?refused_only=true', { token })
  check(table.items.length === 0, `重新订阅后“只看无额度”应为空，实际 ${JSON.stringify(table.items)}`)
  await shot(page, 'credits-restored')
}
