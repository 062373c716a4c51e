// 新就业群体 for staff: rider verification, awards to review, manual adjustments, the rule book,
// leaderboards, the rewards shop's stock and the pickup counter.
import { api, request } from './client'
import type { Page } from './types'

export interface Rider {
  id: number
  user_id: number
  name: string
  platform: string
  courier_id: string
  phone: string
  home_community_id: number
  home_community: string
  status: 'pending' | 'verified' | 'rejected'
  reject_reason?: string | null
  verified_at?: string | null
  created_at: string
}

export const RIDER_STATUSES = [
  { value: 'pending', label: '待认证' },
  { value: 'verified', label: '已认证' },
  { value: 'rejected', label: '未通过' },
]

export interface Award {
  id: number
  user_id: number
  rule_code: string
  rule_name: string
  rule_version: number
  source_type: string
  source_id: number
  community_id: number
  requested: number
  points: number
  status: string
  reason?: string | null
  memo: string
  created_at: string
}

export const AWARD_STATUSES: Record<string, string> = {
  pending_review: '待审核', awarded: '已发放', capped: '已封顶', ineligible: '不符合条件', denied: '已驳回', reversed: '已撤销',
}

export interface Rule {
  id: number
  code: string
  version: number
  name: string
  description?: string | null
  points: number
  daily_cap?: number | null
  monthly_cap?: number | null
  effective_from: string
  effective_to?: string | null
  needs_review: boolean
  riders_only: boolean
}

export interface Leaderboard {
  scope: string
  unit_name: string
  period: string
  items: Array<{ rank: number; user_id: number; name: string; platform?: string | null; points: number }>
}

export interface Reward {
  id: number
  community?: { id: number; name: string } | null
  name: string
  description?: string | null
  cost: number
  stock: number
  per_user_limit: number
  active: boolean
}

export interface Redemption {
  id: number
  reward: { id: number; name: string }
  user?: { id: number; name: string } | null
  community?: { id: number; name: string } | null
  cost: number
  status: string
  created_at: string
  picked_up_at?: string | null
  cancelled_at?: string | null
}

export const REDEMPTION_STATUSES = [
  { value: 'pending', label: '待领取' },
  { value: 'picked_up', label: '已领取' },
  { value: 'cancelled', label: '已取消' },
]

export const listRiders = (q: { status?: string; community?: number | null; cursor?: string | null }) =>
  api.get<Page<Rider>>('/riders', { limit: 20, ...q })
export const verifyRider = (id: number, body: { decision: 'approve' | 'reject'; reason?: string }) =>
  api.post<Rider>(`/riders/${id}/verify`, body)

export const listAwards = (q: { status?: string; community?: number | null; cursor?: string | null }) =>
  api.get<Page<Award>>('/admin/points/awards', { limit: 20, ...q })
export const reviewAward = (id: number, decision: 'approve' | 'deny') => api.post<Award>(`/admin/points/awards/${id}/review`, { decision })

export const adjust = (body: { user_id: number; amount: number; reason: string }) =>
  api.post<{ id: number; amount: number; reason: string; balance: number }>('/admin/points/adjustments', body)

export const currentRules = () => api.get<Rule[]>('/points/rules')
export const ruleHistory = (code?: string) => api.get<Rule[]>('/admin/points/rules', { code })

export const leaderboard = (scope: string, period: string) => api.get<Leaderboard>('/points/leaderboard', { scope, period, limit: 50 })

export const listRewards = (q: { cursor?: string | null }) => api.get<Page<Reward>>('/admin/rewards', { limit: 20, ...q })
export const editReward = (id: number, body: Partial<Pick<Reward, 'stock' | 'cost' | 'per_user_limit' | 'active'>>) =>
  request<Reward>('PATCH', `/admin/rewards/${id}`, { body })

export const listRedemptions = (q: { status?: string; community?: number | null; cursor?: string | null }) =>
  api.get<Page<Redemption>>('/redemptions', { scope: 'staff', limit: 20, ...q })
export const pickup = (id: number, code: string) => api.post<Redemption>(`/admin/redemptions/${id}/pickup`, { code })

export interface Post {
  id: number
  community?: { id: number; name: string } | null
  title: string
  duties: string
  capacity: number
  taken: number
  remaining: number
  monthly_points: number
  active: boolean
}

export interface PostClaim {
  id: number
  post_id: number
  user: { id: number; name: string }
  status: 'active' | 'left'
  claimed_at: string
  left_at?: string | null
}

export interface EarnedAward {
  status: string
  points: number
}

export interface Bounty {
  id: number
  community?: { id: number; name: string } | null
  title: string
  description: string
  points: number
  deadline: string
  max_takers: number
  taken: number
  remaining: number
  status: 'open' | 'closed'
}

export interface BountyClaim {
  id: number
  bounty_id: number
  user: { id: number; name: string }
  status: string
  claimed_at: string
  note?: string | null
  submitted_at?: string | null
  verified_at?: string | null
  reject_reason?: string | null
  evidence: Array<{ id: number; url: string; thumb_url: string }>
  award?: EarnedAward | null
}

export const BOUNTY_CLAIM_STATUSES: Record<string, string> = {
  claimed: '已揭榜', submitted: '待验收', approved: '已验收', rejected: '未通过', expired: '已过期',
}

export const listPosts = (q: { cursor?: string | null }) => api.get<Page<Post>>('/admin/posts', { limit: 20, ...q })
export const postClaims = (id: number, q: { status?: string; cursor?: string | null }) =>
  api.get<Page<PostClaim>>(`/admin/posts/${id}/claims`, { limit: 20, ...q })
export const confirmDuty = (id: number, body: { user_id: number; month: string }) =>
  api.post<{ id: number; month: string; award: EarnedAward }>(`/admin/posts/${id}/duties`, body)

export const listBounties = (q: { status?: string; cursor?: string | null }) => api.get<Page<Bounty>>('/admin/bounties', { limit: 20, ...q })
export const bountyClaims = (id: number, q: { status?: string; cursor?: string | null }) =>
  api.get<Page<BountyClaim>>(`/admin/bounties/${id}/claims`, { limit: 20, ...q })
export const verifyBountyClaim = (id: number, body: { approve: boolean; reason?: string }) =>
  api.post<BountyClaim>(`/admin/bounty-claims/${id}/verify`, body)
