// Reference lists the pages share (categories, departments, grids, the unit tree), loaded once
// per sign-in; the lists change rarely and every page needs them.

import { api, getToken } from './client'
import type { GridOut, LoadBoard, Page, UnitNode } from './types'

let cachedFor: string | null = null
const cache = new Map<string, Promise<unknown>>()

function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  const token = getToken()
  if (token !== cachedFor) {
    cache.clear()
    cachedFor = token
  }
  if (!cache.has(key)) {
    const p = load()
    p.catch(() => cache.delete(key)) // a failure is retried next time, not remembered
    cache.set(key, p)
  }
  return cache.get(key) as Promise<T>
}

/** Drop cached lists after a change that alters them (an import redraws grids and adds units). */
export function forget(...keys: Array<'units' | 'grids' | 'categories'>): void {
  for (const k of keys) cache.delete(k)
}

export const categories = () => once('categories', () => api.get<Array<{ code: string; name: string }>>('/categories'))

export const departments = () => once('departments', () => api.get<Array<{ id: number; name: string }>>('/departments'))

/** The caller's reach as a tree of roots (empty for department staff). */
export const unitTree = () => once('units', () => api.get<UnitNode[]>('/admin/org'))

/** Every grid in reach with its polygon, all pages. */
export const grids = () => once('grids', async () => {
  const all: GridOut[] = []
  let cursor: string | null = null
  do {
    const page: Page<GridOut> = await api.get<Page<GridOut>>('/admin/grids', { limit: 100, cursor, coord_type: 'gcj02' })
    all.push(...page.items)
    cursor = page.next_cursor
  } while (cursor)
  return all
})

export const loadBoard = () => api.get<LoadBoard>('/admin/load')
