// 通知: the signed-in person's own inbox, and which subscriptions WeChat refused for want of credit.
import { api } from './client'

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
