import { describe, expect, it } from 'vitest'
import { usePaged } from '../src/lib/paged'
import { ApiError } from '../src/api/client'

describe('keyset paging', () => {
  it('goes forward by the API cursor and back to exactly the page seen before', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      '': { items: [1, 2], next_cursor: 'c2' },
      c2: { items: [3, 4], next_cursor: 'c3' },
      c3: { items: [5], next_cursor: null },
    }
    const asked: Array<string | null> = []
    const p = usePaged<number>(async (cursor) => {
      asked.push(cursor)
      return pages[cursor ?? '']
    })
    await p.first()
    await p.next()
    await p.next()
    expect(p.items.value).toEqual([5])
    expect(p.hasNext.value).toBe(false)
    await p.prev()
    expect(p.items.value).toEqual([3, 4])
    expect(p.pageNo.value).toBe(2)
    expect(asked).toEqual([null, 'c2', 'c3', 'c2'])
  })

  it('keeps the API\'s Chinese message when a page is refused', async () => {
    const p = usePaged<number>(async () => {
      throw new ApiError(403, 'wish.scope_forbidden', '您的角色不能查看该范围的心愿')
    })
    await p.first()
    expect(p.error.value).toBe('您的角色不能查看该范围的心愿')
    expect(p.loading.value).toBe(false)
  })
})
