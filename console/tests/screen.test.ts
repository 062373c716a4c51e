import { afterEach, describe, expect, it, vi } from 'vitest'
import { saveSession } from '../src/api/client'
import * as screen from '../src/api/screen'

afterEach(() => {
  vi.unstubAllGlobals()
  localStorage.clear()
})

describe('screen client', () => {
  it('reads with the screen token, never with the signed-in person\'s', async () => {
    saveSession('staff-jwt', { id: 1, role: 'street_admin' })
    const fetch = vi.fn(async () => new Response(JSON.stringify({ today: { filed: 3 } }), { status: 200 }))
    vi.stubGlobal('fetch', fetch)
    const data = await screen.data('scr_abc')
    expect(data.today.filed).toBe(3)
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/screen/data')
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer scr_abc')
  })

  it('tells a revoked token (401 with the API message) from a network blip', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'screen.token_revoked', message: '大屏令牌无效或已撤销' } }), { status: 401 })))
    await expect(screen.data('scr_x')).rejects.toMatchObject({ status: 401, code: 'screen.token_revoked' })
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    await expect(screen.data('scr_x')).rejects.toMatchObject({ status: 0, code: 'network' })
  })

  it('keeps the token in this browser until it is forgotten', () => {
    screen.keepScreenToken('scr_kept')
    expect(screen.screenToken()).toBe('scr_kept')
    screen.forgetScreenToken()
    expect(screen.screenToken()).toBeNull()
  })
})
