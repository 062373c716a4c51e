// 微心愿 walks: the community admin reviews a resident's wish, approves a 双报到 registration,
// opens a campaign and sees the unit ranking move; the grid member enters a wish on someone's behalf.
import { TIMEOUT, check, shot, shotSizes, signIn, stamp } from './lib.mjs'

async function signInUser(api, openid) {
  return api.call('POST', '/auth/dev-login', { body: { openid } })
}

export async function wishAdmin(page, api, base) {
  const admin = await signInUser(api, 'demo-community-admin')
  const community = admin.user.org_unit.id
  // a resident posts a wish; another registers (双报到) for a work unit
  const wisher = await signInUser(api, `walk-wisher-${stamp}`)
  await api.call('PATCH', '/me', { token: wisher.token, body: { real_name: '何小雨' } })
  const title = `助学台灯-${stamp}`
  const wish = await api.call('POST', '/wishes', { token: wisher.token, body: {
    category: '助学', title, description: '孩子晚上写作业，家里灯光太暗，想要一盏护眼台灯', estimated_value: 120, community_id: community } })
  let helper = await signInUser(api, `walk-helper-${stamp}`)
  await api.call('PATCH', '/me', { token: helper.token, body: { real_name: '林共建' } })
  const unit = `凤起物业-${stamp}`
  const reg = await api.call('POST', '/volunteers', { token: helper.token, body: { community_id: community, kind: 'unit', work_unit: unit } })
  // registering makes a resident a volunteer: the old token is revoked with the role change
  helper = await signInUser(api, `walk-helper-${stamp}`)

  await signIn(page, api, base, 'demo-community-admin', '/wishes/review')
  await page.locator('[data-test=wish-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  const row = page.locator('[data-test=wish-table] .el-table__row', { hasText: title })
  await row.waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'wishes-review-queue')
  await row.click()
  await page.locator('[data-test=wish-public]', { hasText: '护眼台灯' }).waitFor()
  // a rejection needs a reason: the API's own Chinese refusal is shown in the dialog
  await page.locator('[data-action=reject]').click()
  await page.locator('[data-test=decision-submit]').click()
  const refusal = page.locator('[data-test=decision-error]')
  await refusal.waitFor({ timeout: TIMEOUT })
  check(/原因/.test(await refusal.innerText()), `不填原因时应显示 API 的中文提示，实际为「${await refusal.innerText()}」`)
  await shot(page, 'wishes-review-refused')
  await page.getByRole('button', { name: '取消' }).click()
  // publish, open to the whole street
  await page.locator('[data-action=publish]').click()
  const dialog = page.locator('.el-dialog', { hasText: '发布心愿' })
  await dialog.getByText('本街道').click()
  await shot(page, 'wishes-review-publish')
  await dialog.locator('[data-test=decision-submit]').click()
  await page.locator('[data-test=wish-status]', { hasText: '待认领' }).waitFor({ timeout: TIMEOUT })
  const published = await api.call('GET', `/wishes/${wish.id}`, { token: admin.token })
  check(published.status === 'published' && published.open_to === 'street', `心愿应已发布到街道，实际 ${published.status}/${published.open_to}`)
  check(!(await row.count()), '发布后心愿应离开待审核列表')
  await shotSizes(page, 'wishes-review-published')

  // 双报到: approve the work unit's registration
  await page.getByRole('menuitem', { name: '双报到登记' }).click()
  const regRow = page.locator('[data-test=volunteer-table] .el-table__row', { hasText: unit })
  await regRow.waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'wishes-volunteers')
  await regRow.locator('[data-action=approve]').click()
  await page.locator('.el-message--success', { hasText: '已通过' }).waitFor({ timeout: TIMEOUT })
  const card = await api.call('GET', '/volunteers/me', { token: helper.token })
  check(card.id === reg.id && card.status === 'approved', `登记应已通过，实际为 ${card.status}`)
  await page.locator('[data-test=status-filter]').getByText('已通过').click()
  await page.locator('[data-test=volunteer-table] .el-table__row', { hasText: unit }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'wishes-volunteers-approved')

  // the unit claims and fulfils the wish: the ranking counts it (the API ranks, the page shows)
  await api.call('POST', `/wishes/${wish.id}/claim`, { token: helper.token, body: {} })
  const photo = await api.upload(helper.token, `fulfil-${stamp}`)
  await api.call('POST', `/wishes/${wish.id}/fulfil`, { token: helper.token, body: { note: '台灯已送到', media_ids: [photo] } })
  await page.getByRole('menuitem', { name: '单位排行' }).click()
  const ranked = page.locator('[data-test=unit-ranking] .el-table__row', { hasText: unit })
  await ranked.waitFor({ timeout: TIMEOUT })
  check((await ranked.innerText()).includes('1'), '单位排行应显示完成 1 个心愿')
  await shotSizes(page, 'wishes-rankings')

  // a campaign for the community
  await page.getByRole('menuitem', { name: '征集活动' }).click()
  await page.locator('[data-test=campaign-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  await page.locator('[data-test=campaign-new]').click()
  const form = page.locator('.el-dialog', { hasText: '新建征集活动' })
  const name = `新春微心愿征集-${stamp}`
  await form.locator('[data-field=name]').fill(name)
  const year = new Date().getFullYear() + 1
  const dates = form.locator('.el-date-editor input')
  await dates.nth(0).fill(`${year}-01-05`)
  await dates.nth(1).fill(`${year}-02-28`)
  await dates.nth(1).press('Enter')
  await form.locator('.el-dialog__title').click()
  await shot(page, 'wishes-campaign-form')
  await form.locator('[data-test=campaign-submit]').click()
  await page.locator('[data-test=campaign-table] .el-table__row', { hasText: name }).waitFor({ timeout: TIMEOUT })
  const campaigns = await api.call('GET', `/campaigns?community=${community}`, { token: admin.token })
  const made = campaigns.find((c) => c.name === name)
  check(made && made.starts_on === `${year}-01-05` && made.ends_on === `${year}-02-28`, `征集活动应已创建，实际 ${JSON.stringify(made)}`)
  await shotSizes(page, 'wishes-campaigns')
}

export async function gridMemberWishes(page, api, base) {
  const member = await signInUser(api, 'demo-grid-member')
  await signIn(page, api, base, 'demo-grid-member', '/wishes/entry')
  // a grid member's menu has the entry form, not the admins' pages; their address leads back
  check(await page.getByRole('menuitem', { name: '代录心愿' }).count(), '网格员应看到「代录心愿」')
  check(!(await page.getByRole('menuitem', { name: '征集活动' }).count()), '网格员不应看到「征集活动」')
  const form = page.locator('[data-test=entry-form]')
  await form.waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'wishes-entry-empty')
  const title = `想要一台收音机-${stamp}`
  await form.locator('[data-field=name]').fill('刘阿婆')
  await form.locator('[data-field=contact]').fill('13912345678')
  await form.locator('[data-field=address]').fill('凤起路 12 号 3 单元')
  await form.locator('[data-field=category]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '养老' }).click()
  await form.locator('[data-field=title]').fill(title)
  // too short a description: the API's Chinese refusal, nothing filed
  await form.locator('[data-field=description]').fill('收音机')
  await page.locator('[data-test=entry-submit]').click()
  const err = page.locator('[data-test=entry-error]')
  await err.waitFor({ timeout: TIMEOUT })
  check(/[\u4e00-\u9fa5]/.test(await err.innerText()), `应显示中文错误，实际为「${await err.innerText()}」`)
  await shot(page, 'wishes-entry-refused')
  await form.locator('[data-field=description]').fill('独居老人，眼睛不好，平时靠听广播解闷，家里的收音机坏了')
  await page.locator('[data-test=entry-submit]').click()
  const done = page.locator('[data-test=entry-done]')
  await done.waitFor({ timeout: TIMEOUT })
  await shot(page, 'wishes-entry-done')
  const id = Number((await done.innerText()).match(/#(\d+)/)[1])
  const wish = await api.call('GET', `/wishes/${id}`, { token: member.token })
  check(wish.title === title && wish.on_behalf && wish.status === 'submitted', `代录的心愿应为待审核，实际 ${JSON.stringify({ t: wish.title, s: wish.status, o: wish.on_behalf })}`)
  // the beneficiary is kept private: shown masked, in full only through the recorded reveal step
  check(wish.beneficiary?.name === '刘**' && wish.beneficiary.masked, `受助人应脱敏为刘**，实际 ${wish.beneficiary?.name}`)
  // the grid member reviews in their own queue; the admins' pages are refused by address too
  await page.goto(`${base}/console/wishes/campaigns`)
  await page.waitForURL(/\/console\/queue/, { timeout: TIMEOUT })
  await page.goto(`${base}/console/wishes/review`)
  await page.locator('[data-test=wish-table] .el-table__row', { hasText: title }).waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'wishes-grid-member-review')
}
