import { describe, expect, it } from 'vitest'
import { activeFilterCount, filtersFromQuery, filtersToQuery, isTab } from '../src/lib/filters'

describe('queue filters in the URL', () => {
  it('round-trips through the route query, empty values left out', () => {
    const f = filtersFromQuery({ grid_id: '12', category: 'road', q: '  井盖 ', from: '2026-12-01', status: '' })
    expect(f).toEqual({ grid_id: 12, category: 'road', q: '井盖', from: '2026-12-01' })
    expect(filtersToQuery(f)).toEqual({ grid_id: '12', category: 'road', q: '井盖', from: '2026-12-01' })
    expect(activeFilterCount(f)).toBe(3)
  })

  it('drops malformed ids instead of sending them on', () => {
    expect(filtersFromQuery({ unit_id: 'abc', assignee_id: '-3', department_id: '0', grid_id: ['1'] })).toEqual({})
  })

  it('knows the six tabs', () => {
    for (const t of ['dispatch', 'accept', 'in_progress', 'overdue', 'flagged', 'moderation']) expect(isTab(t)).toBe(true)
    expect(isTab('all')).toBe(false)
  })
})
