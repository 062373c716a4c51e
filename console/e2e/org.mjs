// 组织 walk as the community admin: open a grid from the unit tree, see its member on duty, hand
// the duty over to another grid member (the old one stays as backup), and check the API agrees.
import { TIMEOUT, check, shot, shotSizes, signIn } from './lib.mjs'

export async function orgAdmin(page, api, base) {
  const token = await signIn(page, api, base, 'demo-community-admin', '/org')
  const tree = await api.call('GET', '/admin/org', { token })
  // the community's last grids are away from the demo centre point the other walks file at
  const gridsOf = tree[0].children
  const target = gridsOf[gridsOf.length - 1]
  const neighbour = gridsOf[gridsOf.length - 2]
  const before = await api.call('GET', `/admin/grids/${target.id}`, { token })
  const holder = before.members.find((m) => m.duty === 'on_duty')
  const taker = (await api.call('GET', `/admin/grids/${neighbour.id}`, { token })).members.find((m) => m.duty === 'on_duty')
  check(holder && taker, '演示网格应各有在岗网格员')

  await page.locator('[data-test=org-tree]').waitFor({ timeout: TIMEOUT })
  await page.locator('[data-test=grid-map] canvas').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'org')
  await page.locator('[data-test=org-tree] .el-tree-node__content', { hasText: target.name }).click()
  const row = page.locator('[data-test=member-row]', { hasText: holder.name })
  await row.waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'org-grid')
  await row.locator('[data-action=handover]').click()
  const dialog = page.locator('.el-dialog', { hasText: '交接' })
  await dialog.locator('[data-field=to]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: taker.name }).first().click()
  await shot(page, 'org-handover-form')
  await dialog.locator('[data-test=handover-submit]').click()
  await page.locator('.el-message--success', { hasText: '已交接' }).waitFor({ timeout: TIMEOUT })
  await page.locator('[data-test=member-row]', { hasText: taker.name }).locator('.el-tag', { hasText: '在岗' }).waitFor({ timeout: TIMEOUT })
  const after = await api.call('GET', `/admin/grids/${target.id}`, { token })
  const duty = Object.fromEntries(after.members.map((m) => [m.user_id, m.duty]))
  check(duty[taker.user_id] === 'on_duty' && duty[holder.user_id] === 'backup', `交接后 ${taker.name} 应在岗、${holder.name} 应备岗，实际 ${JSON.stringify(duty)}`)
  await shotSizes(page, 'org-handed-over')
}
