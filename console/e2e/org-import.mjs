// 组织 · 导入边界 as the district admin: a broken file is refused with the API's problems listed; a
// real file (one grid renamed, one new grid drawn round a fresh case) is previewed with the same
// figures the API's dry run gives, nothing written until 确认导入, then the API has both grids.
import { TIMEOUT, check, shot, signIn, stamp } from './lib.mjs'

/** A square of about `half` degrees each way round a spot, as a GeoJSON Polygon. */
function square(lng, lat, half) {
  return { type: 'Polygon', coordinates: [[[lng - half, lat - half], [lng + half, lat - half], [lng + half, lat + half],
    [lng - half, lat + half], [lng - half, lat - half]]] }
}

function findUnit(nodes, id) {
  for (const n of nodes) {
    if (n.id === id) return n
    const hit = findUnit(n.children ?? [], id)
    if (hit) return hit
  }
  return null
}

export async function orgImport(page, api, base, centre) {
  const spot = { lat: centre.lat - 0.0009, lng: centre.lng + 0.0011 }
  const report = await api.fileReport('demo-resident', { ...spot, description: `导入演示-${stamp} 人行道地砖松动` })
  const token = await signIn(page, api, base, 'demo-district-admin', '/org')
  const filed = await api.call('GET', `/reports/${report.id}`, { token })
  check(filed.grid, `演示案件 #${report.id} 应落在某个网格里`)
  const grid = await api.call('GET', `/admin/grids/${filed.grid.id}?coord_type=gcj02`, { token })
  const community = findUnit(await api.call('GET', '/admin/org', { token }), grid.community_id)
  check(community?.code, '应能找到网格所在社区的代码')
  const renamed = `${grid.name}（调整）`
  const code = `walk-${stamp}`
  const doc = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { code: grid.code, name: renamed, kind: 'grid', parent: community.code }, geometry: grid.geometry },
      { type: 'Feature', properties: { code, name: `导入网格-${stamp}`, kind: 'grid', parent: community.code },
        geometry: square(filed.location.lng, filed.location.lat, 0.0004) },
    ],
  }

  await page.locator('[data-test=grid-map] canvas').first().waitFor({ timeout: TIMEOUT })
  await page.locator('[data-action=import]').click()
  const dialog = page.locator('[data-test=import-dialog]')
  await dialog.waitFor()

  // a file that is not one: the API's refusal and its list of problems, nothing previewed
  const broken = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code, name: '坏网格', kind: 'grid', parent: community.code },
    geometry: { type: 'Point', coordinates: [spot.lng, spot.lat] } }] }
  await dialog.locator('[data-field=geojson]').fill(JSON.stringify(broken))
  await dialog.locator('[data-test=import-preview-run]').click()
  const refusal = dialog.locator('[data-test=import-error]')
  await refusal.waitFor({ timeout: TIMEOUT })
  const said = await refusal.innerText()
  check(said.includes('导入文件有误') && said.includes('Polygon'), `坏文件应显示 API 的中文提示与问题，实际「${said}」`)
  check(await dialog.locator('[data-test=import-apply]').isDisabled(), '未预览成功时不能确认导入')
  await shot(page, 'org-import-refused')

  // the real file, chosen as a file
  await dialog.locator('[data-field=file]').setInputFiles({ name: 'grids.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(doc)) })
  await dialog.locator('[data-test=import-preview-run]').click()
  await dialog.locator('[data-test=import-preview]').waitFor({ timeout: TIMEOUT })
  await dialog.locator('[data-test=import-preview] [data-test=grid-map] canvas').first().waitFor({ timeout: TIMEOUT })
  const dry = await api.call('POST', '/admin/org/import?coord_type=gcj02&dry_run=true', { token, body: doc })
  const shown = async (k) => Number.parseInt(await dialog.locator(`[data-test=count-${k}] b`).innerText(), 10)
  for (const [k, want] of [['created', dry.created], ['updated', dry.updated], ['added', dry.effect.added.length],
    ['changed', dry.effect.changed.length], ['removed', dry.effect.removed.length], ['moved', dry.effect.open_cases_moved]]) {
    check((await shown(k)) === want, `预览的 ${k} 应为 API 的 ${want}，实际 ${await shown(k)}`)
  }
  check(dry.effect.added.includes(code) && dry.effect.changed.includes(grid.code), `预览应列出新增 ${code} 与变更 ${grid.code}：${JSON.stringify(dry.effect)}`)
  await dialog.locator('[data-test=import-grids] .el-table__row', { hasText: renamed }).waitFor()
  if (dry.effect.moved.length) await dialog.locator('[data-test=import-moved] .el-table__row', { hasText: `#${dry.effect.moved[0].report_id}` }).waitFor()
  const still = await api.call('GET', `/admin/grids/${grid.id}`, { token })
  check(still.name === grid.name, '预览不应写入任何内容')
  await shot(page, 'org-import-preview')
  await page.setViewportSize({ width: 1920, height: 1080 })
  await shot(page, 'org-import-preview')
  await page.setViewportSize({ width: 1366, height: 768 })

  await dialog.locator('[data-test=import-apply]').click()
  await page.locator('.el-message--success', { hasText: '已导入' }).waitFor({ timeout: TIMEOUT })
  const after = await api.call('GET', `/admin/grids?community=${grid.community_id}&limit=100`, { token })
  check(after.items.some((g) => g.code === code), `导入后应有新网格 ${code}`)
  check(after.items.find((g) => g.id === grid.id)?.name === renamed, `导入后 ${grid.code} 应改名为 ${renamed}`)
  // the page reloads its tree and map from the API: the renamed grid is on the map
  await page.waitForFunction((name) => {
    const chart = window.__sspCharts?.get(document.querySelector('.org [data-test=grid-map]'))
    return chart?.getOption().geo?.[0]?.regions?.some((r) => r.name.startsWith(name))
  }, renamed, { timeout: TIMEOUT })
  await shot(page, 'org-imported')
}
