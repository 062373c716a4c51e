import { describe, expect, it } from 'vitest'
import { hours, levelsBelow, pct, periodWindow, sortByRate } from '../src/lib/stats'

describe('stats formatting', () => {
  it('shows rates and hours, a dash where the API has no value', () => {
    expect(pct(0.8333)).toBe('83.3%')
    expect(pct(null)).toBe('—')
    expect(hours(2)).toBe('2.0 小时')
    expect(hours(null)).toBe('—')
  })

  it('本月 starts at Beijing midnight of the 1st; rolling windows end past now', () => {
    const now = new Date('2026-12-01T15:59:30Z') // 23:59 on 1 Dec in Beijing
    expect(periodWindow('month', now).from).toBe('2026-11-30T16:00:00.000Z')
    const w = periodWindow('7d', now)
    expect(new Date(w.to).getTime()).toBeGreaterThan(now.getTime())
    expect(new Date(w.to).getTime() - new Date(w.from).getTime()).toBe(7 * 86_400_000)
  })

  it('offers only levels below the scope, departments always', () => {
    expect(levelsBelow('district').map((l) => l.key)).toEqual(['street', 'community', 'grid', 'department'])
    expect(levelsBelow('community').map((l) => l.key)).toEqual(['grid', 'department'])
  })

  it('sorts rows by a rate, lower first where lower is better, nulls last', () => {
    const row = (name: string, value: number | null) => ({ name, rates: { r: { value } } })
    const rows = [row('a', 0.5), row('b', null), row('c', 0.9)]
    expect(sortByRate(rows, 'r').map((r) => r.name)).toEqual(['c', 'a', 'b'])
    expect(sortByRate(rows, 'r', false).map((r) => r.name)).toEqual(['a', 'c', 'b'])
  })
})
