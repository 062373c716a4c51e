// 新建 from the console: the street admin creates a governance post (a too-short title first: the
// API's refusal beside the field), a bounty, a reward, a point rule and then its next version; the
// district admin adds a case category. Each is checked through the API afterwards.
import { TIMEOUT, check, shot, signIn, stamp } from './lib.mjs'

const dialogOf = (page) => page.locator('[data-test=form-dialog]:visible')

async function openCreate(page, path, ready, action = 'create') {
  await page.goto(`${page.__base}/console${path}`)
  await page.locator(ready).first().waitFor({ timeout: TIMEOUT })
  await page.locator(`[data-action=${action}]`).click()
  const dialog = dialogOf(page)
  await dialog.waitFor()
  return dialog
}

async function pickCommunity(page, dialog, name) {
  await dialog.locator('[data-field=community_id]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: name }).first().click()
}

async function submit(page, dialog, success) {
  await dialog.locator('[data-test=form-submit]').click()
  await page.locator('.el-message--success', { hasText: success }).first().waitFor({ timeout: TIMEOUT })
  await dialog.waitFor({ state: 'hidden' })
}

export async function createWalk(page, api, base) {
  page.__base = base
  const community = (await api.call('POST', '/auth/dev-login', { body: { openid: 'demo-community-admin' } })).user.org_unit
  const token = await signIn(page, api, base, 'demo-street-admin', '/points/posts')

  // 治理岗: a one-character title is the API's refusal, shown on the form; then the real one
  const title = `防汛巡查岗${stamp.slice(-4)}`
  let dialog = await openCreate(page, '/points/posts', '[data-test=post-table], [data-state=empty]')
  await pickCommunity(page, dialog, community.name)
  await dialog.locator('[data-field=title]').fill('岗')
  await dialog.locator('[data-field=duties]').fill('汛期每日巡查小区低洼处与地下车库入口，发现积水及时上报')
  await dialog.locator('[data-test=form-submit]').click()
  const refusal = dialog.locator('[data-test=form-error]')
  await refusal.waitFor({ timeout: TIMEOUT })
  check(/[\u4e00-\u9fa5]/.test(await refusal.innerText()), `标题过短应显示中文错误，实际「${await refusal.innerText()}」`)
  await dialog.locator('[data-form-field=title] .el-form-item__error').waitFor()
  await shot(page, 'create-post-refused')
  await dialog.locator('[data-field=title]').fill(title)
  await dialog.locator('[data-field=capacity] input').fill('3')
  await shot(page, 'create-post-form')
  await submit(page, dialog, `治理岗「${title}」已创建`)
  await page.locator('[data-test=post-table] .el-table__row', { hasText: title }).waitFor({ timeout: TIMEOUT })
  const posts = await api.call('GET', `/admin/posts?community=${community.id}&limit=100`, { token })
  const post = posts.items.find((p) => p.title === title)
  check(post?.capacity === 3 && post.active, `治理岗应已创建（名额 3、启用），实际 ${JSON.stringify(post)}`)
  await shot(page, 'create-post-done')

  // 揭榜挂帅: the deadline defaults to a fortnight ahead
  const bountyTitle = `清理楼道杂物-${stamp}`
  dialog = await openCreate(page, '/points/bounties', '[data-test=bounty-table], [data-state=empty]')
  await pickCommunity(page, dialog, community.name)
  await dialog.locator('[data-field=title]').fill(bountyTitle)
  await dialog.locator('[data-field=description]').fill('3 号楼一至六层楼道堆放纸箱杂物，需清运并拍照')
  await dialog.locator('[data-field=points] input').fill('80')
  await shot(page, 'create-bounty-form')
  await submit(page, dialog, `任务「${bountyTitle}」已发布`)
  await page.locator('[data-test=bounty-table] .el-table__row', { hasText: bountyTitle }).waitFor({ timeout: TIMEOUT })
  const bounties = await api.call('GET', `/admin/bounties?community=${community.id}&status=open&limit=100`, { token })
  const bounty = bounties.items.find((b) => b.title === bountyTitle)
  check(bounty?.points === 80 && new Date(bounty.deadline) > new Date(Date.now() + 13 * 86_400_000),
    `任务应已发布（80 分、两周后截止），实际 ${JSON.stringify(bounty)}`)

  // 奖品
  const rewardName = `洗车券-${stamp.slice(-4)}`
  dialog = await openCreate(page, '/points/rewards', '[data-test=reward-table], [data-state=empty]')
  await pickCommunity(page, dialog, community.name)
  await dialog.locator('[data-field=name]').fill(rewardName)
  await dialog.locator('[data-field=cost] input').fill('120')
  await dialog.locator('[data-field=stock] input').fill('25')
  await shot(page, 'create-reward-form')
  await submit(page, dialog, `奖品「${rewardName}」已上架`)
  const rewards = await api.call('GET', `/admin/rewards?community=${community.id}&limit=100`, { token })
  const reward = rewards.items.find((r) => r.name === rewardName)
  check(reward?.cost === 120 && reward.stock === 25 && reward.per_user_limit === 1, `奖品应已上架，实际 ${JSON.stringify(reward)}`)

  // 积分细则: a new rule (v1), then its next version with another score
  const code = `walk_${stamp}`
  const ruleName = `防汛巡查-${stamp.slice(-4)}`
  dialog = await openCreate(page, '/points/rules', '[data-test=rule-table], [data-state=empty]')
  await dialog.locator('[data-field=code]').fill(code)
  await dialog.locator('[data-field=name]').fill(ruleName)
  await dialog.locator('[data-field=points] input').fill('15')
  await dialog.locator('[data-field=daily_cap] input').fill('30')
  await shot(page, 'create-rule-form')
  await submit(page, dialog, `「${ruleName}」v1 已创建`)
  await page.locator('[data-test=rule-versions] .el-timeline-item').first().waitFor({ timeout: TIMEOUT })
  await page.locator('[data-action=new-version]').click()
  dialog = dialogOf(page)
  await dialog.waitFor()
  check((await dialog.locator('[data-field=name]').inputValue()) === ruleName, '新版本表单应带出现行版本的内容')
  await dialog.locator('[data-field=points] input').fill('20')
  await shot(page, 'create-rule-version-form')
  await submit(page, dialog, `「${ruleName}」v2 已发布`)
  await page.locator('[data-test=rule-versions] .el-timeline-item').nth(1).waitFor({ timeout: TIMEOUT })
  const history = await api.call('GET', `/admin/points/rules?code=${code}`, { token })
  const now = history.find((r) => !r.effective_to)
  check(history.length === 2 && now?.version === 2 && now.points === 20 && now.daily_cap === 30,
    `规则应有两个版本、现行 v2 为 20 分，实际 ${JSON.stringify(history)}`)
  await shot(page, 'create-rule-done')

  await page.setViewportSize({ width: 1920, height: 1080 })
  await shot(page, 'create-rule-done')
  dialog = await openCreate(page, '/points/bounties', '[data-test=bounty-table], [data-state=empty]')
  await shot(page, 'create-bounty-form')
  await page.keyboard.press('Escape')
  await page.setViewportSize({ width: 1366, height: 768 })

  // 案件类别 (the district's catalog), signed in afresh as the district admin
  await page.evaluate(() => localStorage.clear())
  const district = await signIn(page, api, base, 'demo-district-admin', '/catalog/categories')
  const catCode = `walk_${stamp}`
  const catName = `噪声扰民${stamp.slice(-3)}`
  dialog = await openCreate(page, '/catalog/categories', '[data-test=category-table]')
  await dialog.locator('[data-field=code]').fill(catCode)
  await dialog.locator('[data-field=name]').fill(catName)
  await dialog.locator('[data-field=resolve_amount] input').fill('3')
  await shot(page, 'create-category-form')
  await submit(page, dialog, `类别「${catName}」已创建`)
  await page.locator('[data-test=category-table] .el-table__row', { hasText: catName }).waitFor({ timeout: TIMEOUT })
  const cats = await api.call('GET', '/admin/categories', { token: district })
  const cat = cats.find((c) => c.code === catCode)
  check(cat?.resolve_amount === 3 && cat.resolve_unit === 'workdays' && cat.active, `类别应已创建，实际 ${JSON.stringify(cat)}`)
  await shot(page, 'create-category-done')
  await page.setViewportSize({ width: 1920, height: 1080 })
  await openCreate(page, '/catalog/categories', '[data-test=category-table]')
  await shot(page, 'create-category-form')
  await page.setViewportSize({ width: 1366, height: 768 })
}
