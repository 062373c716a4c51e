import { describe, expect, it } from 'vitest'
import { mayOpen, navFor } from '../src/lib/nav'

describe('nav by role', () => {
  it('shows a grid member the entry form but not the admins\' pages', () => {
    const names = navFor('grid_member').flatMap((g) => g.items.map((i) => i.name))
    expect(names).toContain('wish-entry')
    expect(names).not.toContain('campaigns')
    expect(names).not.toContain('volunteers')
  })

  it('gives department staff no 微心愿 group at all', () => {
    expect(navFor('department').map((g) => g.title)).not.toContain('微心愿')
    expect(mayOpen('wish-review', 'department')).toBe(false)
  })

  it('lets a street admin review registrations, and leaves pages without roles open to all', () => {
    expect(mayOpen('volunteers', 'street_admin')).toBe(true)
    expect(mayOpen('queue', 'department')).toBe(true)
    expect(mayOpen('campaigns', null)).toBe(false)
  })

  it('shows the credit table to admins only', () => {
    expect(mayOpen('notify-credits', 'street_admin')).toBe(true)
    expect(mayOpen('notify-credits', 'grid_member')).toBe(false)
    expect(mayOpen('inbox', 'grid_member')).toBe(true)
  })
})
