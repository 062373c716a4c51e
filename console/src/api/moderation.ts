// 内容安全: texts and photos waiting for a person, within the caller's reach, and the verdict.
import { api } from './client'
import type { Page } from './types'

export interface Check {
  id: number
  subject_type: 'report' | 'wish'
  subject_id: number
  field: string
  kind: 'text' | 'image'
  status: string
  provider?: string | null
  label?: number | null
  content?: string | null
  note?: string | null
  photo?: { url: string; thumb_url: string } | null
  created_at: string
  checked_at?: string | null
}

export const CHECK_STATUSES = [
  { value: 'review', label: '待人工复核' },
  { value: 'pending', label: '待机审' },
  { value: 'risky', label: '违规' },
  { value: 'pass', label: '已通过' },
]

export const SUBJECTS: Record<string, string> = { report: '随手拍', wish: '微心愿' }

/** What a check's field is, in words. */
export function fieldLabel(field: string): string {
  if (field === 'text') return '正文'
  if (field.startsWith('photo:')) return '照片'
  if (field.startsWith('note:')) return '处理说明'
  if (field === 'fulfil_note') return '完成说明'
  if (field === 'thanks') return '感谢语'
  return field
}

export const listChecks = (q: { status?: string; subject_type?: string; cursor?: string | null }) =>
  api.get<Page<Check>>('/admin/moderation', { limit: 20, ...q })

export const decide = (id: number, decision: 'pass' | 'risky', note?: string) =>
  api.post<Check>(`/admin/moderation/${id}/decide`, { decision, note })
