import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildQuery, getToken, parseError, request, saveSession, setUnauthorizedHandler } from '../src/api/client'

afterEach(() => {
  vi.unstubAllGlobals()
  localStorage.clear()
})

function answer(status: number, body: unknown) {
  return vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))
}

describe('api client', () => {
  it('reads both error envelopes and keeps the Chinese message', () => {
    expect(parseError(409, { error: { code: 'report.not_allowed', message: '您无权对该案件执行此操作' } }))
      .toMatchObject({ code: 'report.not_allowed', message: '您无权对该案件执行此操作' })
    expect(parseError(403, { code: 'console.not_staff', message: '仅工作人员可登录' })).toMatchObject({ code: 'console.not_staff' })
    expect(parseError(500, null)).toMatchObject({ code: 'http.500', message: '服务暂时不可用，请稍后再试' })
  })

  it('leaves empty query values out', () => {
    expect(buildQuery({ a: 1, b: '', c: null, d: undefined, e: '中' })).toBe('?a=1&e=%E4%B8%AD')
  })

  it('sends the bearer token', async () => {
    saveSession('tok', { id: 1, role: 'community_admin' })
    const fetch = answer(200, { ok: true })
    vi.stubGlobal('fetch', fetch)
    await request('GET', '/me')
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1]
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok')
  })

  it('drops the session and goes to sign-in on 401, but not for anonymous sign-in calls', async () => {
    const handler = vi.fn()
    setUnauthorizedHandler(handler)
    saveSession('tok', { id: 1, role: 'community_admin' })
    vi.stubGlobal('fetch', answer(401, { error: { code: 'auth.expired', message: '登录已过期' } }))
    await expect(request('GET', '/admin/queue', { anonymous: true })).rejects.toBeInstanceOf(ApiError)
    expect(handler).not.toHaveBeenCalled()
    expect(getToken()).toBe('tok')
    await expect(request('GET', '/admin/queue')).rejects.toMatchObject({ status: 401, message: '登录已过期' })
    expect(handler).toHaveBeenCalledOnce()
    expect(getToken()).toBeNull()
  })
})

describe('validation errors', () => {
  it('say which field is wrong along with the headline', () => {
    const e = parseError(422, { error: { code: 'validation_error', message: '提交的内容有误', details: { fields: { grid_id: ['不在您的管辖范围内'] } } } })
    expect(e.message).toBe('提交的内容有误：不在您的管辖范围内')
  })
})
