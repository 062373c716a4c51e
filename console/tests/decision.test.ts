import { describe, expect, it } from 'vitest'
import { useDecision } from '../src/lib/decision'
import { ApiError } from '../src/api/client'

interface Row { id: number; name: string }

/** A decision over a fake list: what was sent, what was toasted, how often the list was reloaded. */
function setup(refuse?: ApiError | Error) {
  const sent: Array<[number, string, string | undefined]> = []
  const toasts: string[] = []
  let reloads = 0
  const d = useDecision<Row, 'approve' | 'reject', { points: number }>({
    send: async (row, decision, reason) => {
      sent.push([row.id, decision, reason])
      if (refuse) throw refuse
      return { points: 5 }
    },
    done: (row, decision, out) => `${row.name} ${decision === 'approve' ? `已通过 ${out.points}` : '已退回'}`,
    after: () => { reloads++ },
    toast: { success: (m) => toasts.push(`ok:${m}`), error: (m) => toasts.push(`err:${m}`) },
  })
  return { d, sent, toasts, reloads: () => reloads }
}

const rider = { id: 7, name: '马骑手' }

describe('a decision on a row', () => {
  it('sends a decision without dialog, toasts the outcome and reloads', async () => {
    const { d, sent, toasts, reloads } = setup()
    const going = d.decide(rider, 'approve')
    expect(d.busy).toBe(7)
    expect(await going).toBe(true)
    expect(d.busy).toBeNull()
    expect(sent).toEqual([[7, 'approve', undefined]])
    expect(toasts).toEqual(['ok:马骑手 已通过 5'])
    expect(reloads()).toBe(1)
  })

  it('toasts the API\'s Chinese message when it refuses, and does not reload', async () => {
    const { d, toasts, reloads } = setup(new ApiError(409, 'rider.not_pending', '该骑手已审核过'))
    expect(await d.decide(rider, 'approve')).toBe(false)
    expect(toasts).toEqual(['err:该骑手已审核过'])
    expect(reloads()).toBe(0)
    expect(d.busy).toBeNull()
  })

  it('asks for a reason, sends it trimmed and closes the dialog', async () => {
    const { d, sent, toasts, reloads } = setup()
    d.ask(rider, 'reject')
    expect(d.dialog).toMatchObject({ open: true, decision: 'reject', reason: '', error: '' })
    d.dialog.reason = '  证件照片看不清  '
    expect(await d.submit()).toBe(true)
    expect(sent).toEqual([[7, 'reject', '证件照片看不清']])
    expect(d.dialog.open).toBe(false)
    expect(toasts).toEqual(['ok:马骑手 已退回'])
    expect(reloads()).toBe(1)
  })

  it('sends no reason at all when the box is left blank', async () => {
    const { d, sent } = setup()
    d.ask(rider, 'reject')
    d.dialog.reason = '   '
    await d.submit()
    expect(sent).toEqual([[7, 'reject', undefined]])
  })

  it('keeps the dialog open with the API\'s message when the reason is refused', async () => {
    const { d, toasts, reloads } = setup(new ApiError(422, 'validation', '请填写退回原因'))
    d.ask(rider, 'reject')
    expect(await d.submit()).toBe(false)
    expect(d.dialog).toMatchObject({ open: true, error: '请填写退回原因', sending: false })
    expect(toasts).toEqual([])
    expect(reloads()).toBe(0)
    // asking again starts clean
    d.ask(rider, 'reject')
    expect(d.dialog.error).toBe('')
  })

  it('falls back to a plain Chinese message for a failure that is not the API\'s', async () => {
    const { d, toasts } = setup(new TypeError('Failed to fetch'))
    await d.decide(rider, 'approve')
    expect(toasts).toEqual(['err:操作失败'])
  })

  it('does nothing when submitted with no dialog opened', async () => {
    const { d, sent } = setup()
    expect(await d.submit()).toBe(false)
    expect(sent).toEqual([])
  })
})
