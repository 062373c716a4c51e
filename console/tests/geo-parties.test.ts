import { describe, expect, it } from 'vitest'
import { gridsToGeoJSON, loadColour, regionName } from '../src/lib/geo'
import { partyClocks } from '../src/lib/parties'
import type { ReportDetail } from '../src/api/types'

const square = { type: 'Polygon', coordinates: [[[120, 30], [120.01, 30], [120.01, 30.01], [120, 30]]] }

describe('grid polygons for ECharts', () => {
  it('keeps polygons, skips grids without a boundary, and keeps same-named grids apart', () => {
    const fc = gridsToGeoJSON([
      { id: 1, name: '一网格', geometry: square },
      { id: 2, name: '一网格', geometry: square },
      { id: 3, name: '无边界', geometry: null },
      { id: 4, name: '点', geometry: { type: 'Point', coordinates: [120, 30] } },
    ])
    expect(fc.features.map((f) => f.properties.name)).toEqual(['一网格#1', '一网格#2'])
    expect(regionName({ id: 9, name: 'x' })).toBe('x#9')
  })

  it('colours overdue above open load', () => {
    expect(loadColour(10, 0)).not.toBe(loadColour(10, 1))
    expect(loadColour(0, 0)).not.toBe(loadColour(1, 0))
  })
})

describe('party clocks (双考核)', () => {
  const base = {
    id: 1, category: { code: 'c', name: 'c' }, description: 'd', status: 'transferred', status_label: '已转办',
    location: { lat: 30, lng: 120, coord_type: 'gcj02' }, created_at: '2026-12-07T00:00:00Z', photos: [], actions: [], timeline: [],
  } as ReportDetail
  const now = new Date('2026-12-07T10:00:00Z')

  it('uses the API\'s parties when it lists them', () => {
    const clocks = partyClocks({ ...base, parties: [{ kind: 'department', name: '城管', due_at: '2026-12-07T12:00:00Z' }] }, now)
    expect(clocks).toHaveLength(1)
    expect(clocks[0]).toMatchObject({ label: '部门', name: '城管', seconds_left: 7200 })
  })

  it('derives the grid and the department otherwise, the clock running for the holder', () => {
    const clocks = partyClocks({
      ...base, grid: { id: 5, name: '三网格' }, assignee: { name: '张三' }, department: { id: 2, name: '城管' },
      resolve_due_at: '2026-12-06T10:00:00Z', accepted_at: '2026-12-05T10:00:00Z',
    }, now)
    expect(clocks.map((c) => c.kind)).toEqual(['grid', 'department'])
    expect(clocks[0].seconds_left).toBeNull()
    expect(clocks[1].seconds_left).toBe(-86400)
  })
})
