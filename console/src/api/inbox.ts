// 通知: the signed-in person's own inbox, and which subscriptions WeChat refused for want of credit.
import { api } from './client'
import type { Page } from './types'

export interface InboxItem {
  id: number
  kind: string
  title: string
  body: string
  page?: string | null
  created_at: string
  read_at?: string | null
  delivery?: string
}

export interface InboxPage {
  items: InboxItem[]
  next_cursor: string | null
  unread_count: number
}

export interface QuotaItem {
  kind: string
  template_id?: string | null
  missed: number
  last_missed_at?: string | null
}

export const DELIVERY_LABELS: Record<string, string> = {
  pending: '待推送', sending: '推送中', sent: '已推送', unconfirmed: '待确认', failed: '推送失败', no_quota: '未订阅', skipped: '仅站内',
}

export const inbox = (q: { unread?: boolean; cursor?: string | null }) => api.get<InboxPage>('/inbox', { limit: 20, ...q })
export const markRead = (id: number) => api.post<InboxItem>(`/inbox/${id}/read`)
export const readAll = () => api.post<{ marked: number }>('/inbox/read-all')
export const quota = () => api.get<QuotaItem[]>('/inbox/quota')

/** What each kind of notification is about, in the staff's words (unknown kinds show as they are). */
export const KIND_LABELS: Record<string, string> = {
  report_assigned: '案件派发', report_accepted: '案件受理', report_transferred: '案件转办', report_escalated: '案件上报',
  report_resolved: '案件办结', report_rejected: '案件驳回', report_reopened: '案件重办', report_overdue: '案件超期',
  report_rated: '群众评价', report_confirmed: '办结确认', report_returned: '部门退回',
  wish_published: '心愿发布', wish_claimed: '心愿认领', wish_released: '心愿释放', wish_fulfilled: '心愿完成',
  wish_confirmed: '心愿确认', wish_rejected: '心愿退回',
  points_awarded: '积分到账', points_denied: '积分未通过', points_reversed: '积分撤销', points_adjusted: '积分调整',
  rider_reviewed: '骑手认证', content_risky: '内容提醒',
}
export const kindLabel = (kind: string) => KIND_LABELS[kind] ?? kind

export interface CreditRow {
  user_id: number
  name: string
  role: string
  kind: string
  subscribable: boolean
  refused: number
  last_refused_at?: string | null
  subscribed_at?: string | null
}

/** Admins: per person in reach and kind, the sends WeChat refused for want of credit (43101). */
export const credits = (q: { kind?: string | null; refused_only?: boolean; cursor?: string | null }) =>
  api.get<Page<CreditRow>>('/admin/notify/credits', { limit: 20, ...q })
