// The caller's unit tree flattened to the kind a page picks from (communities, grids, …).
import type { UnitNode } from '../api/types'

export interface UnitOption {
  id: number
  name: string
  kind: string
}

export function unitsOfKind(roots: UnitNode[], kinds: string[]): UnitOption[] {
  const out: UnitOption[] = []
  const walk = (n: UnitNode) => {
    const kind = n.kind ?? n.level ?? ''
    if (kinds.includes(kind)) out.push({ id: n.id, name: n.name, kind })
    for (const c of n.children ?? []) walk(c)
  }
  roots.forEach(walk)
  return out
}

export const KIND_LABELS: Record<string, string> = { district: '区', street: '街道', community: '社区', grid: '网格' }
