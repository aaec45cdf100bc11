import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/client'
import type { Page } from '../api/types'
import { i18n } from '../i18n'
import { usePagedList } from './paging'

/** A fetchPage whose answers the test gives one by one, in any order. */
function pages<T>() {
  const asked: (number | undefined)[] = []
  const waiting: { resolve: (p: Page<T>) => void; reject: (e: unknown) => void }[] = []
  const fetchPage = (after: number | undefined) => {
    asked.push(after)
    return new Promise<Page<T>>((resolve, reject) => waiting.push({ resolve, reject }))
  }
  return { asked, waiting, fetchPage }
}

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('usePagedList', () => {
  it('loads the first page, then appends the next ones until none follows', async () => {
    const p = pages<string>()
    const list = usePagedList(p.fetchPage)
    const first = list.reload()
    expect(list.loading.value).toBe(true)
    p.waiting[0]!.resolve({ items: ['a', 'b'], next_after: 2 })
    await first
    expect(list.loading.value).toBe(false)
    expect(list.items.value).toEqual(['a', 'b'])
    expect(list.nextAfter.value).toBe(2)

    const second = list.more()
    expect(list.loadingMore.value).toBe(true)
    void list.more() // a second click while the page is on its way asks nothing
    expect(p.asked).toEqual([undefined, 2])
    p.waiting[1]!.resolve({ items: ['c'] })
    await second
    expect(list.loadingMore.value).toBe(false)
    expect(list.items.value).toEqual(['a', 'b', 'c'])
    expect(list.nextAfter.value).toBeUndefined()

    await list.more() // the end: nothing more to ask
    expect(p.asked).toEqual([undefined, 2])
  })

  it('drops the answer to an older request when the list was reloaded meanwhile', async () => {
    const p = pages<string>()
    const list = usePagedList(p.fetchPage)
    const old = list.reload()
    const fresh = list.reload()
    p.waiting[1]!.resolve({ items: ['new'] })
    await fresh
    p.waiting[0]!.resolve({ items: ['old'], next_after: 9 })
    await old
    await tick()
    expect(list.items.value).toEqual(['new'])
    expect(list.nextAfter.value).toBeUndefined()
  })

  it('keeps the error of the last request and the reasons by field, and clears them on the next', async () => {
    i18n.global.locale.value = 'zh-CN'
    const p = pages<string>()
    const list = usePagedList(p.fetchPage)
    const failed = list.reload()
    p.waiting[0]!.reject(
      new ApiError({
        status: 400,
        title: 'Bad Request',
        code: 'invalid',
        detail: 'invalid input',
        errors: [{ field: 'region', reason: 'region 990199 not found' }],
      }),
    )
    await failed
    expect(list.error.value?.title).toBe('输入有误')
    expect(list.fieldErrors.value).toEqual({ region: 'region 990199 not found' })
    expect(list.items.value).toEqual([])

    const again = list.reload()
    expect(list.error.value).toBeNull()
    expect(list.fieldErrors.value).toEqual({})
    p.waiting[1]!.resolve({ items: ['x'] })
    await again
    expect(list.items.value).toEqual(['x'])
  })

  it('starts again from the first page on reload, forgetting the pages shown', async () => {
    const p = pages<number>()
    const list = usePagedList(p.fetchPage)
    const first = list.reload()
    p.waiting[0]!.resolve({ items: [1, 2], next_after: 2 })
    await first
    const again = list.reload()
    expect(list.items.value).toEqual([])
    expect(list.nextAfter.value).toBeUndefined()
    p.waiting[1]!.resolve({ items: [7] })
    await again
    expect(p.asked).toEqual([undefined, undefined])
    expect(list.items.value).toEqual([7])
  })
})
