import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('../api/client.js', () => ({ api: { get: vi.fn() } }))

const { api } = await import('../api/client.js')
const { listParams, queryFromState, stateFromQuery, useProductList, SEARCH_DEBOUNCE_MS } =
  await import('./useProductList.js')

const page = (items, overrides = {}) => ({ items, page: 1, per_page: 25, total: items.length, ...overrides })

describe('list parameters', () => {
  it('sends only the filters that are set and leaves the default sort out', () => {
    const state = { ...stateFromQuery({}), q: '  bond ', tag: 'energy', watched: 'me', perPage: 25 }
    expect(listParams(state)).toEqual({ page: 1, per_page: 25, q: 'bond', tag: 'energy', watched: 'me' })
    expect(listParams({ ...state, sort: 'name' }).sort).toBe('name')
  })

  it('round-trips through the route query', () => {
    const query = { q: 'solar', source: 'member', sort: '-price', page: '3' }
    expect(queryFromState(stateFromQuery(query))).toEqual(query)
    expect(stateFromQuery({ page: 'x', q: ['a', 'b'] })).toMatchObject({ page: 1, q: '', sort: 'activity' })
  })
})

describe('useProductList', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    api.get.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('debounces typing into one request from page 1', async () => {
    api.get.mockResolvedValue(page([{ id: 1 }]))
    const list = useProductList({ page: 4 })
    list.setSearch('s')
    list.setSearch('so')
    list.setSearch('sol')
    expect(api.get).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    expect(api.get).toHaveBeenCalledTimes(1)
    expect(api.get.mock.calls[0][1].params).toMatchObject({ q: 'sol', page: 1 })
  })

  it('ignores a late answer to an earlier request', async () => {
    let answerFirst
    api.get.mockReturnValueOnce(new Promise((resolve) => (answerFirst = resolve)))
    api.get.mockResolvedValueOnce(page([{ id: 2, name: 'new' }]))
    const list = useProductList()
    const first = list.load()
    await list.setFilter('source', 'member')
    answerFirst(page([{ id: 1, name: 'old' }]))
    await first
    expect(list.items.value.map((p) => p.id)).toEqual([2])
    expect(list.filtered()).toBe(true)
  })
})
