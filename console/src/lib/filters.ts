// The queue's filters live in the URL, so a reload or an expired sign-in comes back to the same view.
import { ADMIN_ROLES } from './roles'

export const TABS = [
  { key: 'dispatch', label: '待派单' },
  { key: 'accept', label: '待受理' },
  { key: 'in_progress', label: '处理中' },
  { key: 'overdue', label: '已超时' },
  { key: 'flagged', label: '待核查' },
  { key: 'moderation', label: '待审核' },
] as const

export type TabKey = (typeof TABS)[number]['key']

export interface QueueFilters {
  unit_id?: number
  grid_id?: number
  category?: string
  status?: string
  department_id?: number
  assignee_id?: number
  lateness?: string
  satisfaction?: string
  from?: string
  to?: string
  q?: string
}

const NUMERIC = ['unit_id', 'grid_id', 'department_id', 'assignee_id'] as const
const TEXT = ['category', 'status', 'lateness', 'satisfaction', 'from', 'to', 'q'] as const

export function isTab(value: unknown): value is TabKey {
  return TABS.some((t) => t.key === value)
}

/** 派单 and the two checks (after-photo flags, content review) are the administrators' work; grid
 * members and departments get the cases already sent to them (the API refuses them the checks). */
const ADMIN_TABS: readonly TabKey[] = ['dispatch', 'flagged', 'moderation']

/** The tabs a role works, in the queue's order. */
export function tabsFor(role: string | null | undefined) {
  const admin = !!role && ADMIN_ROLES.includes(role)
  return TABS.filter((t) => admin || !ADMIN_TABS.includes(t.key))
}

/** The tab to show: the one asked for (address, saved filter) if the role works it, else its first. */
export function tabFor(role: string | null | undefined, wanted?: unknown): TabKey {
  const tabs = tabsFor(role)
  return tabs.find((t) => t.key === wanted)?.key ?? tabs[0].key
}

/** Route query → filters; anything malformed is dropped rather than sent on to the API. */
export function filtersFromQuery(query: Record<string, unknown>): QueueFilters {
  const out: QueueFilters = {}
  for (const key of NUMERIC) {
    const raw = query[key]
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined
    if (n) out[key] = n
  }
  for (const key of TEXT) {
    const raw = query[key]
    if (typeof raw === 'string' && raw.trim()) out[key] = raw.trim()
  }
  return out
}

/** Filters → route query / API query, empty values left out. */
export function filtersToQuery(filters: QueueFilters): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined || v === null || v === '') continue
    out[k] = String(v)
  }
  return out
}

/** The filters set in the filter panel; the search text shows in its own box and is not counted. */
export function activeFilterCount(filters: QueueFilters): number {
  return Object.keys(filtersToQuery(filters)).filter((k) => k !== 'q').length
}
