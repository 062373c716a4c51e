// Keyset paging as the API gives it ({items, next_cursor}): the cursors already passed are kept so
// "上一页" returns to exactly the page seen before.
import { ref, type Ref } from 'vue'
import { ApiError } from '../api/client'
import type { Page } from '../api/types'

export interface Paged<T> {
  items: Ref<T[]>
  loading: Ref<boolean>
  error: Ref<string | null>
  pageNo: Ref<number>
  hasNext: Ref<boolean>
  reload: () => Promise<void>
  first: () => Promise<void>
  next: () => Promise<void>
  prev: () => Promise<void>
}

export function usePaged<T>(load: (cursor: string | null) => Promise<Page<T>>): Paged<T> {
  const items = ref<T[]>([]) as Ref<T[]>
  const loading = ref(true)
  const error = ref<string | null>(null)
  const cursors = ref<Array<string | null>>([null])
  const nextCursor = ref<string | null>(null)
  const pageNo = ref(1)
  const hasNext = ref(false)

  async function fetchAt(index: number) {
    loading.value = true
    error.value = null
    try {
      const page = await load(cursors.value[index] ?? null)
      items.value = page.items
      nextCursor.value = page.next_cursor
      hasNext.value = !!page.next_cursor
      pageNo.value = index + 1
    } catch (e) {
      error.value = e instanceof ApiError ? e.message : '加载失败'
    } finally {
      loading.value = false
    }
  }

  return {
    items,
    loading,
    error,
    pageNo,
    hasNext,
    reload: () => fetchAt(pageNo.value - 1),
    first: () => {
      cursors.value = [null]
      return fetchAt(0)
    },
    next: () => {
      if (!nextCursor.value) return Promise.resolve()
      cursors.value = [...cursors.value.slice(0, pageNo.value), nextCursor.value]
      return fetchAt(pageNo.value)
    },
    prev: () => (pageNo.value > 1 ? fetchAt(pageNo.value - 2) : Promise.resolve()),
  }
}

/** The API's Chinese message of a refusal, or a plain fallback. */
export function messageOf(e: unknown, fallback = '操作失败'): string {
  return e instanceof ApiError ? e.message : fallback
}
