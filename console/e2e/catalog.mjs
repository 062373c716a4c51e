// 目录 walk as the district admin: a category's deadline changed (an inconsistent escalation is the
// API's refusal), and a day of the working-day calendar made a holiday.
import { TIMEOUT, check, shot, shotSizes, signIn } from './lib.mjs'

export async function catalogAdmin(page, api, base) {
  const token = await signIn(page, api, base, 'demo-district-admin', '/catalog/categories')
  const before = (await api.call('GET', '/admin/categories', { token }))[0]
  const row = page.locator('[data-test=category-table] .el-table__row', { hasText: before.name }).first()
  await row.waitFor({ timeout: TIMEOUT })
  await shotSizes(page, 'catalog-categories')
  await row.locator('[data-action=edit]').click()
  const dialog = page.locator('.el-dialog', { hasText: '编辑类别' })
  await dialog.locator('[data-field=street_factor] input').fill('0.5')
  await dialog.locator('[data-field=street_factor] input').press('Tab')
  await dialog.locator('[data-test=category-submit]').click()
  const refusal = dialog.locator('[data-test=category-error]')
  await refusal.waitFor({ timeout: TIMEOUT })
  check(/倍数/.test(await refusal.innerText()), `倍数颠倒时应显示 API 的中文提示，实际「${await refusal.innerText()}」`)
  await shot(page, 'catalog-category-refused')
  await dialog.locator('[data-field=street_factor] input').fill(String(before.escalate_street_factor))
  await dialog.locator('[data-field=resolve_amount] input').fill(String(before.resolve_amount + 1))
  await dialog.locator('[data-field=resolve_amount] input').press('Tab')
  await dialog.locator('[data-test=category-submit]').click()
  await page.locator('.el-message--success', { hasText: '已保存' }).waitFor({ timeout: TIMEOUT })
  const after = (await api.call('GET', '/admin/categories', { token })).find((c) => c.code === before.code)
  check(after.resolve_amount === before.resolve_amount + 1, `办结时限应为 ${before.resolve_amount + 1}，实际 ${after.resolve_amount}`)

  // the first of this month, already past: a holiday here moves no deadline of the other walks
  await page.getByRole('menuitem', { name: '工作日历' }).click()
  await page.locator('[data-test=calendar]').waitFor({ timeout: TIMEOUT })
  const now = new Date()
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-01`
  await page.locator(`.cell[data-day="${day}"]`).click()
  const form = page.locator('.el-dialog', { hasText: day })
  await form.getByText('节假日（休）').click()
  await form.locator('[data-field=note]').fill('演示假日')
  await shot(page, 'catalog-calendar-day')
  await form.locator('[data-test=day-submit]').click()
  await page.locator(`.cell[data-day="${day}"] .mark`, { hasText: '休' }).waitFor({ timeout: TIMEOUT })
  const days = await api.call('GET', `/admin/calendar?year=${now.getFullYear()}`, { token })
  check(days.some((d) => d.day === day && d.is_workday === false && d.note === '演示假日'), `${day} 应为节假日`)
  await shotSizes(page, 'catalog-calendar')
}
