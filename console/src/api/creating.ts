// The admin create calls: governance posts, bounties, rewards, point rules (a new rule, or the next
// version of one) and case categories. Bodies come from the forms in lib/forms.ts.
import { api, request } from './client'
import type { Bounty, Post, Reward, Rule } from './points'
import type { Category } from './admin-catalog'

type Body = Record<string, unknown>

export const createPost = (body: Body) => api.post<Post>('/admin/posts', body)
export const createBounty = (body: Body) => api.post<Bounty>('/admin/bounties', body)
export const createReward = (body: Body) => api.post<Reward>('/admin/rewards', body)
export const createRule = (body: Body) => api.post<Rule>('/admin/points/rules', body)
/** The next version of a rule takes over now; awards already given keep the version they used. */
export const newRuleVersion = (code: string, body: Body) =>
  request<Rule>('PATCH', `/admin/points/rules/${encodeURIComponent(code)}`, { body })
export const createCategory = (body: Body) => api.post<Category>('/admin/categories', body)
