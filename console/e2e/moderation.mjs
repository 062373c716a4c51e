// 内容安全 walk as the district admin: a resident's report whose text the provider sent to a person
// is opened as the public would see it and passed; it leaves the queue and shows again.
import { TIMEOUT, check, shot, shotSizes, signIn, stamp } from './lib.mjs'

export async function moderationAdmin(page, api, base, service) {
  const text = `内容审核-${stamp}`
  const report = await api.fileReport(`walk-moderation-${stamp}`, { ...service.centre, description: `${text} 小区门口有人张贴小广告，墙面很脏` })
  // the provider's answer "review" (in development everything passes): recorded as WeChat's would be
  service.sql(`UPDATE moderation_checks SET status = 'review' WHERE subject_type = 'report' AND subject_id = ${report.id} AND field = 'text'`)
  service.sql(`UPDATE reports SET moderation = 'review' WHERE id = ${report.id}`)

  const token = await signIn(page, api, base, 'demo-district-admin', '/moderation')
  const row = page.locator('[data-test=check-table] .el-table__row', { hasText: text })
  await row.waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'moderation-queue')
  await row.click()
  await page.locator('[data-test=public-view] .flagged', { hasText: text }).waitFor({ timeout: TIMEOUT })
  await page.locator('[data-test=public-view] .photo').first().waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'moderation-item')
  await page.locator('[data-field=note]').fill('广告举报内容，非违规')
  await page.locator('[data-action=pass]').click()
  await page.locator('[data-test=check-status]', { hasText: '已通过' }).waitFor({ timeout: TIMEOUT })
  check(!(await row.count()), '通过后内容应离开待复核列表')
  const detail = await api.call('GET', `/reports/${report.id}`, { token })
  check(detail.moderation === 'pass', `案件的审核状态应为 pass，实际 ${detail.moderation}`)
  await shot(page, 'moderation-passed')
  await page.locator('[data-test=status-filter]').getByText('已通过').click()
  await page.locator('[data-test=check-table] .el-table__row', { hasText: text }).waitFor({ timeout: TIMEOUT })
}
