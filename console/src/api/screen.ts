// The wall screen's own client: its screen token (never a person's) on two read-only endpoints, and the
// staff endpoints that open, list and revoke such tokens.

import { api, API_BASE, ApiError, parseError } from './client'
import type { GridOut } from './types'

const KEY = 'ssp.screen.token'

export interface ScreenToken {
  id: number
  name: string
  unit: { id: number; kind: string; name: string }
  created_at: string
  revoked_at: string | null
  last_seen_at: string | null
  active: boolean
  token?: string
}

export interface ScreenRate { key: string; name: string; value: number | null; numerator: number; denominator: number }
export interface ScreenData {
  unit: { id: number; kind: string; name: string }
  as_of: string
  today: { from: string; filed: number; accepted: number; closed: number; overdue: number }
  counter_definitions: Array<{ key: string; text: string }>
  month: { from: string; cases: number; rates: ScreenRate[] }
  wishes: { waiting: number; claimed: number; fulfilled: number }
  riders: { verified: number; on_duty: number; month: string; top: Array<{ rank: number; name: string; platform: string; points: number }> }
  latest: Array<{ id: number; category: string; grid: string | null; status: string; status_label: string; created_at: string }>
  points: Array<{ id: number; lat: number; lng: number; status: string; category: string }>
}

export const screenToken = () => localStorage.getItem(KEY)
export const keepScreenToken = (token: string) => localStorage.setItem(KEY, token)
export const forgetScreenToken = () => localStorage.removeItem(KEY)

async function get<T>(path: string, token: string): Promise<T> {
  let res: Response
  try {
    res = await fetch(API_BASE + path, { headers: { Accept: 'application/json', Authorization: `Bearer ${token}` }, cache: 'no-store' })
  } catch {
    throw new ApiError(0, 'network', '网络中断')
  }
  const body = await res.json().catch(() => null)
  if (!res.ok) throw parseError(res.status, body)
  return body as T
}

export const data = (token: string) => get<ScreenData>('/screen/data', token)
export const grids = (token: string) => get<GridOut[]>('/screen/grids', token)

export const listTokens = () => api.get<ScreenToken[]>('/screen-tokens')
export const createToken = (name: string, unitId?: number) => api.post<ScreenToken>('/screen-tokens', { name, ...(unitId ? { unit_id: unitId } : {}) })
export const revokeToken = (id: number) => api.post<ScreenToken>(`/screen-tokens/${id}/revoke`)
