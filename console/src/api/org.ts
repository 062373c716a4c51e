// GeoJSON import of org units and boundaries: a dry run first (what it would change), then the import.
import { api } from './client'

export type CoordType = 'gcj02' | 'wgs84'

export const COORD_LABELS: Record<CoordType, string> = {
  gcj02: 'GCJ-02（高德、腾讯地图）',
  wgs84: 'WGS-84（GPS 原始坐标）',
}

export interface MovedCase {
  report_id: number
  from: string | null
  to: string | null
}

export interface ImportEffect {
  added: string[]
  changed: string[]
  removed: string[]
  unlisted: string[]
  open_cases_moved: number
  moved: MovedCase[]
}

export interface ImportSummary {
  dry_run: boolean
  created: number
  updated: number
  by_kind: Record<string, number>
  repaired: string[]
  overlaps: Array<{ a: string; b: string; area_m2: number }>
  gaps: Array<{ parent: string; area_m2: number }>
  revision_id?: number
  effect: ImportEffect
}

/** One problem of a refused file, as the API lists them (feature index from 0). */
export interface ImportProblem {
  feature: number
  code: string
  message: string
}

export const importUnits = (doc: unknown, coordType: CoordType, dryRun: boolean) =>
  api.post<ImportSummary>('/admin/org/import', doc, { coord_type: coordType, dry_run: dryRun })
