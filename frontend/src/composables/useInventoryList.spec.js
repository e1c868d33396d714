import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('../api/client.js', () => ({ api: { get: vi.fn() } }))

const { api } = await import('../api/client.js')
const { listParams, useInventoryList, SEARCH_DEBOUNCE_MS } = await import('./useInventoryList.js')

function page(items, overrides = {}) {
  return {
    items,
    page: 1,
    per_page: 50,
    total: items.length,
    category: 'gloves',
    manufacturers: ['ippal'],
    ...overrides,
  }
}

describe('listParams', () => {
  it('sends only the filters that are set', () => {
    expect(
      listParams({
        page: 2,
        perPage: 50,
        sort: '-price',
        q: '  hat ',
        availability: '',
        manufacturer: 'ippal',
        color: '',
      }),
    ).toEqual({ page: 2, per_page: 50, sort: '-price', q: 'hat', manufacturer: 'ippal' })
  })
})

describe('useInventoryList', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    api.get.mockReset()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('loads the category with its filters', async () => {
    api.get.mockResolvedValue(page([{ id: 1 }]))
    const list = useInventoryList({ category: 'beanies', availability: 'in_stock' })
    await list.load()
    expect(api.get).toHaveBeenCalledWith('/inventory/beanies', {
      params: { page: 1, per_page: 50, sort: 'name', availability: 'in_stock' },
    })
    expect(list.items.value).toEqual([{ id: 1 }])
    expect(list.manufacturers.value).toEqual(['ippal'])
  })

  it('debounces the text search and goes back to page 1', async () => {
    api.get.mockResolvedValue(page([]))
    const list = useInventoryList({ page: 3 })
    list.setSearch('r')
    list.setSearch('re')
    list.setSearch('red')
    expect(api.get).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    expect(api.get).toHaveBeenCalledTimes(1)
    expect(api.get.mock.calls[0][1].params).toMatchObject({ q: 'red', page: 1 })
  })

  it('ignores an older answer that arrives after a newer one', async () => {
    let resolveSlow
    api.get
      .mockImplementationOnce(
        () =>
          new Promise((resolve) => {
            resolveSlow = resolve
          }),
      )
      .mockResolvedValueOnce(page([{ id: 2 }]))
    const list = useInventoryList()
    const slow = list.load()
    list.setFilter('availability', 'out_of_stock')
    await vi.runAllTimersAsync()
    resolveSlow(page([{ id: 1 }]))
    await slow
    expect(list.items.value).toEqual([{ id: 2 }])
    expect(list.loading.value).toBe(false)
  })

  it('keeps the rows on a failed silent refresh but shows errors of a normal load', async () => {
    api.get
      .mockResolvedValueOnce(page([{ id: 1 }]))
      .mockRejectedValueOnce(new Error('down'))
      .mockRejectedValueOnce(new Error('down'))
    const list = useInventoryList()
    await list.load()
    await list.refresh()
    expect(list.items.value).toEqual([{ id: 1 }])
    expect(list.error.value).toBe(null)
    await list.load()
    expect(list.error.value.message).toBe('down')
  })

  it('clears the manufacturer filter when switching category', async () => {
    api.get.mockResolvedValue(page([]))
    const list = useInventoryList({ manufacturer: 'ippal', page: 4 })
    list.setCategory('facemasks')
    await vi.runAllTimersAsync()
    expect(api.get).toHaveBeenLastCalledWith('/inventory/facemasks', {
      params: { page: 1, per_page: 50, sort: 'name' },
    })
  })
})
