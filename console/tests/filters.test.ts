import { describe, expect, it } from 'vitest'
import { activeFilterCount, filtersFromQuery, filtersToQuery, isTab, tabFor, tabsFor } from '../src/lib/filters'
import { ADMIN_ROLES, ROLE_LABELS } from '../src/lib/roles'

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

describe('queue tabs per role', () => {
  const keys = (role: string | null) => tabsFor(role).map((t) => t.key)

  it('gives every administrator all six tabs, 待派单 first', () => {
    for (const role of ADMIN_ROLES) {
      expect(keys(role)).toEqual(['dispatch', 'accept', 'in_progress', 'overdue', 'flagged', 'moderation'])
      expect(tabFor(role)).toBe('dispatch')
    }
  })

  it('keeps 待派单, 待核查 and 待审核 from everyone else', () => {
    for (const role of [...Object.keys(ROLE_LABELS).filter((r) => !ADMIN_ROLES.includes(r)), null]) {
      expect(keys(role)).toEqual(['accept', 'in_progress', 'overdue'])
      expect(tabFor(role)).toBe('accept')
    }
  })

  it('opens the tab asked for only when the role works it', () => {
    expect(tabFor('street_admin', 'moderation')).toBe('moderation')
    expect(tabFor('grid_member', 'overdue')).toBe('overdue')
    expect(tabFor('department', 'dispatch')).toBe('accept')
    expect(tabFor('grid_member', 'flagged')).toBe('accept')
    expect(tabFor('community_admin', 'all')).toBe('dispatch')
    expect(tabFor('community_admin', undefined)).toBe('dispatch')
  })
})
