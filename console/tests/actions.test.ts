import { describe, expect, it } from 'vitest'
import { bodyFor, missingField, specFor } from '../src/lib/actions'

describe('case actions', () => {
  it('sends each action to its endpoint', () => {
    expect(specFor('accept').path(7)).toBe('/reports/7/accept')
    expect(specFor('assign').path(7)).toBe('/admin/reports/7/reassign')
    expect(specFor('merge').path(7)).toBe('/reports/7/merge')
    expect(specFor('review_flags').path(7)).toBe('/reports/7/flags/review')
    expect(specFor('moderate').path(7)).toBe('/reports/7/moderate')
  })

  it('asks for the verdict before passing or blocking content', () => {
    expect(missingField('moderate', { note: '看过' })).toBe('decision')
    expect(bodyFor('moderate', { decision: 'risky', note: '' })).toEqual({ decision: 'risky' })
  })

  it('still offers an action it does not know, with a note', () => {
    const s = specFor('moderation_pass')
    expect(s.label).toBe('moderation_pass')
    expect(s.fields).toEqual(['note'])
    expect(s.path(3)).toBe('/reports/3/moderation_pass')
  })

  it('sends only the action\'s own non-empty fields', () => {
    expect(bodyFor('transfer', { department_id: 4, note: '', reason: 'x', rating: 5 } as never)).toEqual({ department_id: 4 })
    expect(bodyFor('resolve', { media_ids: [], note: '已清理' })).toEqual({ note: '已清理' })
    expect(bodyFor('escalate', { level: '', reason: '久拖未办' })).toEqual({ reason: '久拖未办' })
  })

  it('names the first required field left empty', () => {
    expect(missingField('reject', { reason: '' })).toBe('reason')
    expect(missingField('reject', { reason: '重复上报' })).toBeNull()
    expect(missingField('assign', {})).toBe('assignee_id')
    expect(missingField('accept', {})).toBeNull()
  })

  it('hands a case back (退回) only with its reason', () => {
    expect(specFor('return').path(5)).toBe('/reports/5/return')
    expect(specFor('return').label).toBe('退回')
    expect(missingField('return', { note: '不属本局' } as never)).toBe('reason')
    expect(bodyFor('return', { reason: '不属本局职责', note: 'x' })).toEqual({ reason: '不属本局职责' })
  })
})
