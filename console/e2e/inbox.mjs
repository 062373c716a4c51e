// 通知 walk as the grid member: a resident's report lands in their grid, the assignment is in
// their inbox; opening it marks it read and the API's unread count drops.
import { TIMEOUT, check, shot, signIn, stamp } from './lib.mjs'

export async function inboxWalk(page, api, base, centre) {
  const member = await api.login('demo-grid-member')
  const before = await api.call('GET', '/inbox?limit=1', { token: member })
  await api.fileReport(`walk-inbox-${stamp}`, { ...centre, description: `消息演示-${stamp} 单元门禁坏了关不上` })
  const now = await api.call('GET', '/inbox?limit=5', { token: member })
  check(now.unread_count > before.unread_count, `网格员应收到新消息（未读 ${before.unread_count} → ${now.unread_count}）`)
  await signIn(page, api, base, 'demo-grid-member', '/inbox')
  const first = page.locator('[data-test=inbox-item].unread').first()
  await first.waitFor({ timeout: TIMEOUT })
  await shot(page, 'inbox')
  await first.click()
  await page.locator('[data-test=inbox-item]').first().locator('text=已读').waitFor({ timeout: TIMEOUT })
  const after = await api.call('GET', '/inbox?limit=1', { token: member })
  check(after.unread_count === now.unread_count - 1, `标为已读后未读应为 ${now.unread_count - 1}，实际 ${after.unread_count}`)
  if (after.unread_count) {
    await page.locator('[data-action=read-all]').click()
    await page.locator('.el-message--success', { hasText: '标为已读' }).waitFor({ timeout: TIMEOUT })
    check((await api.call('GET', '/inbox?limit=1', { token: member })).unread_count === 0, '全部已读后未读应为 0')
  }
  await shot(page, 'inbox-read')
}
