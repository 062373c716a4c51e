// Grid polygons from GET /admin/grids → a FeatureCollection ECharts can register as a map.

import type { GridOut } from '../api/types'

export interface Feature {
  type: 'Feature'
  id: number
  properties: { name: string; id: number }
  geometry: { type: string; coordinates: unknown }
}

export interface FeatureCollection {
  type: 'FeatureCollection'
  features: Feature[]
}

/** Grids without a boundary are skipped; names carry the id so two grids of one name stay apart. */
export function gridsToGeoJSON(grids: GridOut[]): FeatureCollection {
  const features: Feature[] = []
  for (const g of grids) {
    if (!g.geometry || !['Polygon', 'MultiPolygon'].includes(g.geometry.type)) continue
    features.push({
      type: 'Feature',
      id: g.id,
      properties: { name: regionName(g), id: g.id },
      geometry: g.geometry,
    })
  }
  return { type: 'FeatureCollection', features }
}

export function regionName(g: { id: number; name: string }): string {
  return `${g.name}#${g.id}`
}

/** The colour of a grid on the map: overdue dominates, then open load. */
export function loadColour(open: number, overdue: number): string {
  if (overdue > 0) return overdue >= 3 ? '#c45656' : '#f89898'
  if (open >= 5) return '#eebe77'
  if (open > 0) return '#f3d19e'
  return '#d1edc4'
}

export const URGENCY_COLOURS: Record<string, string> = { red: '#f56c6c', yellow: '#e6a23c', green: '#67c23a' }
