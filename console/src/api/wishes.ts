// 微心愿 for staff: the review queue, entry on someone's behalf, campaigns, 双报到 review, rankings.
import { api } from './client'
import type { Page } from './types'

export const WISH_CATEGORIES = ['健康', '养老', '助残', '助学', '就业', '生活物资', '文体娱乐', '其他']

export const OPEN_TO = [
  { value: 'community', label: '本社区' },
  { value: 'street', label: '本街道' },
  { value: 'district', label: '全区' },
]

export const WISH_STATUSES = [
  { value: 'submitted', label: '待审核' },
  { value: 'published', label: '待认领' },
  { value: 'claimed', label: '已认领' },
  { value: 'fulfilled', label: '已完成' },
  { value: 'confirmed', label: '已确认' },
  { value: 'rejected', label: '未通过' },
]

export const MODERATION_LABELS: Record<string, string> = { pending: '待机审', pass: '通过', review: '待人工复核', risky: '疑似违规' }

export interface Wish {
  id: number
  category: string
  title: string
  description: string
  estimated_value?: number | null
  wish_by?: string | null
  status: string
  status_label: string
  moderation: string
  on_behalf: boolean
  community?: { id: number; name: string } | null
  campaign_id?: number | null
  reject_reason?: string | null
  open_to: string
  open_to_label: string
  beneficiary?: { name: string; contact?: string | null; address?: string | null; masked: boolean } | null
  grid_member?: { name: string; phone?: string | null } | null
  photos: Array<{ id: number; stage: string; url: string; thumb_url: string }>
  claimant?: { name: string } | null
  created_at: string
  actions?: string[]
}

export interface Campaign {
  id: number
  unit_id: number
  name: string
  starts_on: string
  ends_on: string
}

export interface Volunteer {
  id: number
  user_id: number
  name: string
  phone?: string | null
  home_community_id: number
  home_community: string
  kind: string
  work_unit?: string | null
  status: 'pending' | 'approved' | 'rejected'
  reject_reason?: string | null
  reviewed_at?: string | null
  registered_at: string
  churn: { claims: number; releases: number; days: number }
}

export const VOLUNTEER_KINDS: Record<string, string> = { party_member: '在职党员', volunteer: '志愿者', unit: '共建单位' }
export const VOLUNTEER_STATUSES = [
  { value: 'pending', label: '待审核' },
  { value: 'approved', label: '已通过' },
  { value: 'rejected', label: '未通过' },
]

export interface Rankings {
  volunteers: Array<{ name: string; fulfilled: number }>
  units: Array<{ name: string; fulfilled: number }>
}

export const listPlaceWishes = (q: { status?: string; community?: number | null; category?: string; cursor?: string | null; limit?: number }) =>
  api.get<Page<Wish>>('/wishes', { scope: 'grid', limit: 20, ...q })

export const getWish = (id: number) => api.get<Wish>(`/wishes/${id}`)

export const reviewWish = (id: number, body: { decision: 'publish' | 'reject'; reason?: string; open_to?: string }) =>
  api.post<Wish>(`/wishes/${id}/review`, body)

export interface OnBehalfIn {
  category: string
  title: string
  description: string
  estimated_value?: number | null
  wish_by?: string | null
  grid_id?: number | null
  campaign_id?: number | null
  beneficiary: { name: string; contact?: string | null; address?: string | null }
}

export const enterOnBehalf = (body: OnBehalfIn) => api.post<Wish>('/wishes', body)

export const listCampaigns = (community?: number | null) => api.get<Campaign[]>('/campaigns', { community })

/** Admins: the campaigns of the units in reach and above it, newest first, a page at a time. */
export const listAdminCampaigns = (cursor: string | null, limit = 20) =>
  api.get<Page<Campaign>>('/admin/campaigns', { limit, cursor })

export const createCampaign = (body: { unit_id: number; name: string; starts_on: string; ends_on: string }) =>
  api.post<Campaign>('/admin/campaigns', body)

export const listVolunteers = (q: { status?: string; community?: number | null; cursor?: string | null; limit?: number }) =>
  api.get<Page<Volunteer>>('/volunteers', { limit: 20, ...q })

export const reviewVolunteer = (id: number, body: { decision: 'approve' | 'reject'; reason?: string }) =>
  api.post<Volunteer>(`/volunteers/${id}/review`, body)

export const rankings = (q: { community?: number | null; campaign?: number | null; limit?: number }) =>
  api.get<Rankings>('/wishes/rankings', { limit: 20, ...q })
