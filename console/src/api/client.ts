// The one way the console talks to /api/v1: bearer token, the service's error envelope, and
// an expired token sending the user back to sign-in with the page they were on.

export const API_BASE = '/api/v1'
const TOKEN_KEY = 'ssp.console.token'
const USER_KEY = 'ssp.console.user'

export interface User {
  id: number
  nickname?: string | null
  real_name?: string | null
  role: string
  org_unit?: { id: number; kind: string; name: string } | null
  department?: { id: number; name: string } | null
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details?: unknown,
  ) {
    super(message)
  }
}

let onUnauthorized: (() => void) | null = null

/** The router registers how to go back to sign-in; kept out of here so this module stays testable. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY)
}

export function getUser(): User | null {
  const raw = localStorage.getItem(USER_KEY)
  return raw ? (JSON.parse(raw) as User) : null
}

export function saveSession(token: string, user: User): void {
  localStorage.setItem(TOKEN_KEY, token)
  localStorage.setItem(USER_KEY, JSON.stringify(user))
}

export function clearSession(): void {
  localStorage.removeItem(TOKEN_KEY)
  localStorage.removeItem(USER_KEY)
}

/** Reads both envelope shapes the service may answer with: {error:{code,message}} and {code,message}. */
export function parseError(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Record<string, unknown>
  const e = (b.error && typeof b.error === 'object' ? b.error : b) as Record<string, unknown>
  const code = typeof e.code === 'string' ? e.code : `http.${status}`
  let message = typeof e.message === 'string' && e.message ? e.message : fallbackMessage(status)
  const first = firstFieldMessage(e.details)
  if (first && !message.includes(first)) message = `${message}：${first}`
  return new ApiError(status, code, message, e.details)
}

/** The first field's message of a validation error ({fields: {name: [msg]}}), said along with the headline. */
function firstFieldMessage(details: unknown): string | null {
  const fields = (details as { fields?: Record<string, unknown> } | undefined)?.fields
  if (!fields || typeof fields !== 'object') return null
  for (const v of Object.values(fields)) {
    const msg = Array.isArray(v) ? v.find((x) => typeof x === 'string') : typeof v === 'string' ? v : null
    if (msg) return msg
  }
  return null
}

function fallbackMessage(status: number): string {
  if (status === 401) return '登录已过期，请重新登录'
  if (status === 403) return '无权执行此操作'
  if (status === 404) return '内容不存在'
  if (status >= 500) return '服务暂时不可用，请稍后再试'
  return '请求失败'
}

type Query = Record<string, string | number | boolean | null | undefined>

export function buildQuery(query?: Query): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    params.append(k, String(v))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

export interface RequestOptions {
  query?: Query
  body?: unknown
  headers?: Record<string, string>
  /** Sign-in polls are anonymous: a 401 there is not an expired session. */
  anonymous?: boolean
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers }
  const token = getToken()
  if (token && !opts.anonymous) headers.Authorization = `Bearer ${token}`
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(API_BASE + path + buildQuery(opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    })
  } catch {
    throw new ApiError(0, 'network', '无法连接服务，请检查网络')
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let data: unknown = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!res.ok) {
    const err = parseError(res.status, data)
    if (res.status === 401 && !opts.anonymous) {
      clearSession()
      onUnauthorized?.()
    }
    throw err
  }
  return data as T
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body: body ?? {}, query }),
  del: <T>(path: string) => request<T>('DELETE', path),
}

/** One photo to /media as the mini-program's wx.uploadFile does → its id. */
export async function uploadMedia(file: File): Promise<{ id: number; url: string; thumb_url: string }> {
  const form = new FormData()
  form.append('file', file)
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(`${API_BASE}/media`, { method: 'POST', headers, body: form })
  const data = await res.json().catch(() => null)
  if (!res.ok) {
    const err = parseError(res.status, data)
    if (res.status === 401) {
      clearSession()
      onUnauthorized?.()
    }
    throw err
  }
  return data
}
