// The stats API (summary, trend, per-unit figures) and its exports; the page only draws what comes back.

import { api, API_BASE, ApiError, buildQuery, getToken, parseError } from './client'

export interface Rate { value: number | null; numerator: number; denominator: number; rank: number | null }
export interface Hours { mean: number | null; median: number | null; p90: number | null; n: number }
export type RateKey = 'response_rate' | 'closure_rate' | 'on_time_resolution_rate' | 'satisfaction_rate'
  | 'reopened_share' | 'transfer_rate' | 'first_contact_rate'

export interface Figures {
  cases: number
  rejected: number
  valid: number
  open: number
  overdue_open: number
  rates: Record<RateKey, Rate>
  hours: { to_accept: Hours; to_resolve: Hours }
}
export interface Row extends Figures { id?: number | null; code?: string; name: string }
export interface RateDefinition {
  key: RateKey
  name: string
  basis: string
  numerator: string
  denominator: string
  exclusions: string
  unrated: string
  higher_is_better: boolean
  min_sample: number
}
export interface HoursDefinition { key: string; name: string; measure: string }
export interface Header {
  scope: { kind: string; id: number; name: string }
  from: string
  to: string
  as_of: string
  min_sample: number
  definitions: RateDefinition[]
  hours_definitions: HoursDefinition[]
}
export interface Summary extends Header {
  notes: string[]
  totals: Figures
  by_status: Array<{ status: string; label: string; count: number }>
  by_category: Row[]
  by_grid: Row[]
  by_department: Row[]
}
export interface Trend extends Header { bucket: string; points: Array<Row & { from: string; to: string }> }
export interface Units extends Header { level: string; rows: Row[] }

export interface StatsQuery extends Record<string, string | undefined> {
  scope: string
  from?: string
  to?: string
}

export const summary = (q: StatsQuery) => api.get<Summary>('/stats/summary', q)
export const trend = (q: StatsQuery & { bucket: string }) => api.get<Trend>('/stats/trend', q)
export const units = (q: StatsQuery & { level: string }) => api.get<Units>('/stats/units', q)

/** Fetch an export with the session's token and hand it to the browser as a download. */
export async function download(path: string, query: Record<string, string | undefined>): Promise<string> {
  const headers: Record<string, string> = {}
  const token = getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let res: Response
  try {
    res = await fetch(API_BASE + path + buildQuery(query), { headers })
  } catch {
    throw new ApiError(0, 'network', '无法连接服务，请检查网络')
  }
  if (!res.ok) throw parseError(res.status, await res.json().catch(() => null))
  const disposition = res.headers.get('Content-Disposition') || ''
  const utf8 = /filename\*=UTF-8''([^;]+)/.exec(disposition)
  const plain = /filename="([^"]+)"/.exec(disposition)
  const name = utf8 ? decodeURIComponent(utf8[1]) : plain ? plain[1] : 'stats'
  const url = URL.createObjectURL(await res.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return name
}
