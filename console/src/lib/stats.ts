// Formatting of the stats API's figures and the windows the dashboard offers (no figure is computed here).

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`
}

export function hours(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(1)} 小时`
}

export type Period = '7d' | '30d' | 'month' | '90d' | 'year'
export const PERIODS: Array<{ key: Period; label: string }> = [
  { key: '7d', label: '近7天' },
  { key: '30d', label: '近30天' },
  { key: 'month', label: '本月' },
  { key: '90d', label: '近90天' },
  { key: 'year', label: '近一年' },
]

const BEIJING_MS = 8 * 3600_000

/** [from, to) of a period as ISO instants: rolling windows end at the next minute, 本月 starts at
 * Beijing midnight of the 1st. */
export function periodWindow(period: Period, now: Date = new Date()): { from: string; to: string } {
  const to = new Date(Math.ceil(now.getTime() / 60_000) * 60_000 + 60_000)
  let from: Date
  if (period === 'month') {
    const local = new Date(now.getTime() + BEIJING_MS)
    from = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - BEIJING_MS)
  } else {
    const days = { '7d': 7, '30d': 30, '90d': 90, year: 365 }[period]
    from = new Date(to.getTime() - days * 86_400_000)
  }
  return { from: from.toISOString(), to: to.toISOString() }
}

export const LEVELS = [
  { key: 'street', label: '街道', depth: 1 },
  { key: 'community', label: '社区', depth: 2 },
  { key: 'grid', label: '网格', depth: 3 },
  { key: 'department', label: '部门', depth: 9 },
]
const DEPTH: Record<string, number> = { district: 0, street: 1, community: 2, grid: 3, microgrid: 3 }

/** The levels a scope of this kind breaks down into (departments always). */
export function levelsBelow(kind: string): typeof LEVELS {
  return LEVELS.filter((l) => l.key === 'department' || l.depth > (DEPTH[kind] ?? 0))
}

/** Rows sorted by a rate, best first (lower is better where the definition says so); rows without a
 * value last. Sorting is presentation: the values themselves are the API's. */
export function sortByRate<T extends { rates: Record<string, { value: number | null }> }>(
  rows: T[], key: string, higherIsBetter = true): T[] {
  return [...rows].sort((a, b) => {
    const x = a.rates[key]?.value
    const y = b.rates[key]?.value
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1
    if (y === null || y === undefined) return -1
    return higherIsBetter ? y - x : x - y
  })
}

/** The widest a bar is drawn: one or two units otherwise fill the chart with a slab. */
export const BAR_MAX = 28
