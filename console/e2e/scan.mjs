// 扫码核销 with a real camera stream: Chromium's fake camera plays a Y4M video drawn here from a QR
// code holding the pickup code (as the mini-program shows it). A QR of a wrong code is the API's
// refusal; the right one hands the item over, checked through the API.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import QRCode from 'qrcode'
import { SHOTS, TIMEOUT, check, shot, signIn, stamp } from './lib.mjs'

const W = 640
const H = 480
const VIDEO = join(SHOTS, '..', 'fake-camera.y4m')

/** A few frames of one picture as a Y4M (4:2:0) file: `luma(x, y)` gives each pixel's brightness. */
function writeY4m(path, luma) {
  const y = Buffer.alloc(W * H)
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) y[r * W + c] = luma(c, r)
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128) // grey: no colour
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma])
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)
  writeFileSync(path, Buffer.concat([header, ...Array(5).fill(frame)]))
}

/** The camera shows a QR code of `text`, black on white, in the middle of the picture. */
function showQr(text) {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const n = qr.modules.size
  const scale = Math.floor(300 / (n + 8))
  const left = Math.floor((W - n * scale) / 2)
  const top = Math.floor((H - n * scale) / 2)
  writeY4m(VIDEO, (x, y) => {
    const c = Math.floor((x - left) / scale)
    const r = Math.floor((y - top) / scale)
    return c >= 0 && r >= 0 && c < n && r < n && qr.modules.get(r, c) ? 16 : 235
  })
}

/** Chromium's flags for this walk: a fake camera playing the file (blank until a QR is drawn). */
export function scanArgs() {
  mkdirSync(SHOTS, { recursive: true })
  writeY4m(VIDEO, () => 235)
  return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${VIDEO}`]
}

const login = async (api, openid) => api.call('POST', '/auth/dev-login', { body: { openid } })

export async function scanPickup(page, api, base) {
  // a verified rider with points redeems a 理发券 in the mini-program
  const community = (await login(api, 'demo-community-admin')).user.org_unit.id
  const street = await api.login('demo-street-admin')
  const openid = `scan-rider-${stamp}`
  let rider = await login(api, openid)
  await api.call('PATCH', '/me', { token: rider.token, body: { real_name: '扫码骑手' } })
  const reg = await api.call('POST', '/riders', { token: rider.token, body: { platform: '美团', courier_id: `MT-${stamp}`, phone: '13700002222', home_community_id: community } })
  await api.call('POST', `/riders/${reg.id}/verify`, { token: street, body: { decision: 'approve' } })
  await api.call('POST', '/admin/points/adjustments', { token: street, body: { user_id: rider.user.id, amount: 200, reason: '扫码核销演示' } })
  rider = await login(api, openid)
  const haircut = (await api.call('GET', '/rewards?limit=50', { token: rider.token })).items.find((r) => r.name === '理发券')
  const redemption = await api.call('POST', `/rewards/${haircut.id}/redeem`, { token: rider.token, body: {} })
  check(/^\d{6}$/.test(redemption.pickup_code), `取货码应为 6 位数字，实际 ${redemption.pickup_code}`)

  await page.context().grantPermissions(['camera'])
  const scripts = []
  page.on('response', (r) => r.url().endsWith('.js') && scripts.push(r.url()))
  await signIn(page, api, base, 'demo-street-admin', '/points/redemptions')
  const row = page.locator('[data-test=redemption-table] .el-table__row', { hasText: '扫码骑手' })
  await row.waitFor({ timeout: TIMEOUT })
  check(!scripts.some((u) => /\/zxing-/.test(u)), '识别库不应随页面加载，只在扫码时加载')

  // a QR that holds no pickup code: said so, the camera stays open, nothing is sent
  showQr('https://example.invalid/not-a-pickup-code')
  await row.locator('[data-action=scan]').click()
  const dialog = page.locator('[data-test=scan-dialog]')
  await dialog.locator('[data-test=scan-wrong]').waitFor({ timeout: TIMEOUT })
  check(scripts.some((u) => /\/zxing-/.test(u)), '扫码时应加载识别库')
  await shot(page, 'points-scan-camera')
  await page.setViewportSize({ width: 1920, height: 1080 })
  await shot(page, 'points-scan-camera')
  await page.setViewportSize({ width: 1366, height: 768 })
  await dialog.getByRole('button', { name: '改为手动输入' }).click()
  await dialog.waitFor({ state: 'hidden' })
  check((await api.call('GET', '/redemptions', { token: rider.token })).items.find((r) => r.id === redemption.id)?.status === 'pending',
    '非取货码的二维码不应核销')

  // the QR of a wrong code: read from the camera, sent as typed, refused by the API
  const wrong = redemption.pickup_code === '000000' ? '111111' : '000000'
  showQr(wrong)
  await row.locator('[data-action=scan]').click()
  await row.locator('[data-test=pickup-error]', { hasText: '取货码不正确' }).waitFor({ timeout: TIMEOUT })
  check((await row.locator('[data-field=code]').inputValue()) === wrong, '扫到的取货码应填入输入框')
  await shot(page, 'points-scan-refused')

  // the rider's own QR: handed over
  showQr(redemption.pickup_code)
  await row.locator('[data-action=scan]').click()
  await page.locator('.el-message--success', { hasText: '已核销领取' }).waitFor({ timeout: TIMEOUT })
  const after = await api.call('GET', '/redemptions', { token: rider.token })
  check(after.items.find((r) => r.id === redemption.id)?.status === 'picked_up', '扫码后兑换应已领取')
  await shot(page, 'points-scan-picked-up')
  await page.setViewportSize({ width: 1920, height: 1080 })
  await shot(page, 'points-scan-picked-up')
  await page.setViewportSize({ width: 1366, height: 768 })
}
