// 目录 for the district: report categories with their deadlines, and the working-day calendar.
import { api, request } from './client'

export interface Category {
  code: string
  name: string
  description?: string | null
  accept_amount: number
  accept_unit: 'hours' | 'workdays'
  resolve_amount: number
  resolve_unit: 'hours' | 'workdays'
  default_department_id?: number | null
  route_to_department: boolean
  needs_after_photo: boolean
  escalate_community_factor: number
  escalate_street_factor: number
  active: boolean
  sort_order: number
}

export interface CalendarDay {
  day: string
  is_workday: boolean
  note?: string | null
}

export const UNIT_LABELS: Record<string, string> = { hours: '小时', workdays: '个工作日' }

export const allCategories = () => api.get<Category[]>('/admin/categories')
export const updateCategory = (code: string, body: Partial<Omit<Category, 'code'>>) =>
  request<Category>('PATCH', `/admin/categories/${encodeURIComponent(code)}`, { body })

export const calendarDays = (year: number) => api.get<CalendarDay[]>('/admin/calendar', { year })
export const setDay = (day: string, is_workday: boolean | null, note?: string) =>
  request<CalendarDay[]>('PUT', `/admin/calendar/${day}`, { body: { is_workday, note: note || null } })
