// 新就业群体 walk as the street admin: verify a rider's registration, give points with a reason,
// hand over a redeemed reward on its pickup code, restock the shop, read the rule book's versions.
import { TIMEOUT, check, shot, shotSizes, signIn, stamp } from './lib.mjs'

const login = async (api, openid) => api.call('POST', '/auth/dev-login', { body: { openid } })

export async function pointsAdmin(page, api, base) {
  const community = (await login(api, 'demo-community-admin')).user.org_unit.id
  const openid = `walk-rider-${stamp}`
  let rider = await login(api, openid)
  await api.call('PATCH', '/me', { token: rider.token, body: { real_name: '马骑手' } })
  const courier = `ELM-${stamp}`
  await api.call('POST', '/riders', { token: rider.token, body: { platform: '饿了么', courier_id: courier, phone: '13700001111', home_community_id: community } })
  const admin = await signIn(page, api, base, 'demo-street-admin', '/points/riders')

  // 骑手认证
  const row = page.locator('[data-test=rider-table] .el-table__row', { hasText: courier })
  await row.waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'points-riders')
  await row.locator('[data-action=verify]').click()
  await page.locator('.el-message--success', { hasText: '已通过认证' }).waitFor({ timeout: TIMEOUT })
  rider = await login(api, openid)
  const card = await api.call('GET', '/riders/me', { token: rider.token })
  check(card.status === 'verified', `骑手应已认证，实际 ${card.status}`)

  // 积分调整: no reason is the API's refusal; with one, the balance moves
  await page.getByRole('menuitem', { name: '积分调整' }).click()
  const vrow = page.locator('[data-test=rider-table] .el-table__row', { hasText: courier })
  await vrow.waitFor({ timeout: TIMEOUT })
  await vrow.locator('[data-action=adjust]').click()
  const dialog = page.locator('.el-dialog', { hasText: '调整 马骑手 的积分' })
  await dialog.locator('[data-field=amount] input').fill('100')
  await dialog.locator('[data-test=adjust-submit]').click()
  const refusal = dialog.locator('[data-test=adjust-error]')
  await refusal.waitFor({ timeout: TIMEOUT })
  check(/[\u4e00-\u9fa5]/.test(await refusal.innerText()), `不填原因应显示中文错误，实际「${await refusal.innerText()}」`)
  await shot(page, 'points-adjust-refused')
  await dialog.locator('[data-field=reason]').fill('协助社区完成防汛巡查')
  await dialog.locator('[data-test=adjust-submit]').click()
  await page.locator('.el-message--success', { hasText: '当前余额 100 分' }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'points-adjusted')
  const mine = await api.call('GET', '/points/me', { token: rider.token })
  check(mine.balance === 100 && mine.items[0]?.memo?.includes('防汛'), `余额应为 100 且流水写明原因，实际 ${mine.balance} / ${mine.items[0]?.memo}`)

  // the rider redeems a 理发券 in the mini-program; the counter enters the code
  const rewards = await api.call('GET', '/rewards?limit=50', { token: rider.token })
  const haircut = rewards.items.find((r) => r.name === '理发券')
  const redemption = await api.call('POST', `/rewards/${haircut.id}/redeem`, { token: rider.token, body: {} })
  await page.getByRole('menuitem', { name: '兑换核销' }).click()
  const rrow = page.locator('[data-test=redemption-table] .el-table__row', { hasText: '马骑手' })
  await rrow.waitFor({ timeout: TIMEOUT })
  const wrong = redemption.pickup_code === '000000' ? '111111' : '000000'
  await rrow.locator('[data-field=code]').fill(wrong)
  await rrow.locator('[data-action=pickup]').click()
  await rrow.locator('[data-test=pickup-error]', { hasText: '取货码不正确' }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'points-pickup-refused')
  await rrow.locator('[data-field=code]').fill(redemption.pickup_code)
  await rrow.locator('[data-action=pickup]').click()
  await page.locator('.el-message--success', { hasText: '已核销领取' }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'points-picked-up')
  const after = await api.call('GET', '/redemptions', { token: rider.token })
  check(after.items.find((r) => r.id === redemption.id)?.status === 'picked_up', '兑换应已领取')

  // 奖品库存: restock the 理发券
  await page.getByRole('menuitem', { name: '奖品库存' }).click()
  const grow = page.locator('[data-test=reward-table] .el-table__row', { hasText: '理发券' }).first()
  await grow.waitFor({ timeout: TIMEOUT })
  const before = (await api.call('GET', `/admin/rewards/${haircut.id}`, { token: admin })).stock
  await grow.locator('[data-field=stock] input').fill(String(before + 10))
  await grow.locator('[data-action=save]').click()
  await page.locator('.el-message--success', { hasText: `库存 ${before + 10}` }).waitFor({ timeout: TIMEOUT })
  const restocked = await api.call('GET', `/admin/rewards/${haircut.id}`, { token: admin })
  check(restocked.stock === before + 10, `库存应为 ${before + 10}，实际 ${restocked.stock}`)
  await shotSizes(page, 'points-rewards')

  // 积分细则 and its versions, 积分审核, 积分排行
  await page.getByRole('menuitem', { name: '积分细则' }).click()
  await page.locator('[data-test=rule-table] .el-table__row').first().click()
  await page.locator('[data-test=rule-versions] .el-timeline-item').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'points-rules')
  await page.getByRole('menuitem', { name: '积分审核' }).click()
  await page.locator('[data-test=award-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'points-awards')
  await page.getByRole('menuitem', { name: '积分排行' }).click()
  await page.locator('[data-test=leaderboard-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'points-leaderboard')

  // 治理岗: the rider takes a post in the mini-program; the admin confirms the month of duty
  const posts = await api.call('GET', '/posts?limit=50', { token: rider.token })
  const post = posts.items.find((p) => p.title === '楼道巡查岗')
  await api.call('POST', `/posts/${post.id}/claim`, { token: rider.token, body: {} })
  const balanceBefore = (await api.call('GET', '/points/me', { token: rider.token })).balance
  await page.getByRole('menuitem', { name: '治理岗' }).click()
  await page.locator('[data-test=post-table] .el-table__row', { hasText: '楼道巡查岗' }).click()
  const holder = page.locator('[data-test=holder-row]', { hasText: '马骑手' })
  await holder.waitFor({ timeout: TIMEOUT })
  await holder.locator('[data-action=confirm-duty]').click()
  await page.locator('.el-message--success', { hasText: '履职' }).waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'points-posts')
  const dutyEntries = await api.call('GET', '/points/me', { token: rider.token })
  check(dutyEntries.balance > balanceBefore, `确认履职后积分应增加（${balanceBefore} → ${dutyEntries.balance}）`)

  // 揭榜挂帅: the rider takes the bounty and reports it done with a photo; the admin accepts it
  const bounties = await api.call('GET', '/bounties?limit=50', { token: rider.token })
  const bounty = bounties.items[0]
  await api.call('POST', `/bounties/${bounty.id}/claim`, { token: rider.token, body: {} })
  const evidence = await api.upload(rider.token, `bounty-${stamp}`)
  await api.call('POST', `/bounties/${bounty.id}/complete`, { token: rider.token, body: { note: '杂物已清运，通道畅通', media_ids: [evidence] } })
  await page.getByRole('menuitem', { name: '揭榜挂帅' }).click()
  await page.locator('[data-test=bounty-table] .el-table__row', { hasText: bounty.title }).click()
  const taker = page.locator('[data-test=bounty-claim]', { hasText: '马骑手' })
  await taker.locator('[data-test=claim-status]', { hasText: '待验收' }).waitFor({ timeout: TIMEOUT })
  await shot(page, 'points-bounty-submitted')
  await taker.locator('[data-action=accept]').click()
  await taker.locator('[data-test=claim-status]', { hasText: '已验收' }).waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'points-bounty-accepted')
  const mine2 = await api.call('GET', `/bounties/${bounty.id}`, { token: rider.token })
  check(mine2.my_claim?.status === 'approved', `揭榜应已验收，实际 ${mine2.my_claim?.status}`)

  await page.goto(`${base}/console/points/redemptions`)
  await page.locator('[data-test=redemption-table], [data-state=empty]').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'points-redemptions')
}
