import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('../../api/search.js', () => ({ searchAll: vi.fn() }))
const push = vi.fn()
vi.mock('vue-router', () => ({ useRouter: () => ({ push }) }))

const { searchAll } = await import('../../api/search.js')
const { default: AppShellSearch } = await import('./AppShellSearch.vue')

const hits = [
  {
    kind: 'product',
    id: 3,
    title: 'Acme Bond',
    snippet_html: '<mark>Acme</mark> Bond',
    score: 2,
    product: { id: 3, name: 'Acme Bond' },
    tracker: null,
  },
  {
    kind: 'comment',
    id: 8,
    title: 'Acme Bond',
    snippet_html: 'the <mark>acme</mark> <img src=x onerror=alert(1)>',
    score: 1,
    product: { id: 3, name: 'Acme Bond' },
    tracker: null,
  },
]

function answer(items = hits, extra = {}) {
  return { items, page: 1, per_page: 8, total: items.length, total_capped: false, ...extra }
}

describe('AppShellSearch', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    searchAll.mockReset()
    push.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('asks once typing pauses for 150 ms and shows kinds and marked snippets', async () => {
    searchAll.mockResolvedValue(answer())
    const wrapper = mount(AppShellSearch, { attachTo: document.body })
    const input = wrapper.get('input[role="combobox"]')
    await input.setValue('ac')
    await vi.advanceTimersByTimeAsync(100)
    await input.setValue('acm')
    await vi.advanceTimersByTimeAsync(149)
    expect(searchAll).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    await flushPromises()
    expect(searchAll).toHaveBeenCalledTimes(1)
    expect(searchAll.mock.calls[0][0]).toEqual({ q: 'acm', per_page: 8 })
    const options = wrapper.findAll('[role="option"]')
    expect(options).toHaveLength(3) // two hits and "See all results"
    expect(options[0].text()).toContain('Product')
    expect(options[0].html()).toContain('<mark>Acme</mark>')
    expect(options[1].find('img').exists()).toBe(false)
    expect(options[2].text()).toContain('See all results (2 results)')
    wrapper.unmount()
  })

  it('stays open when focused and typed into again right after a blur (its pending close is cancelled)', async () => {
    searchAll.mockResolvedValue(answer())
    const wrapper = mount(AppShellSearch, { attachTo: document.body })
    const input = wrapper.get('input[role="combobox"]')
    await input.trigger('blur') // e.g. a hit was just opened
    await input.trigger('focus')
    await input.setValue('acme')
    await vi.advanceTimersByTimeAsync(400)
    await flushPromises()
    expect(input.attributes('aria-expanded')).toBe('true')
    expect(wrapper.findAll('[role="option"]')).toHaveLength(3)
    wrapper.unmount()
  })

  it('aborts the request of an older query so its late answer never shows', async () => {
    let firstSignal
    searchAll.mockImplementationOnce((params, { signal }) => {
      firstSignal = signal
      return new Promise((resolve) => setTimeout(() => resolve(answer([hits[1]])), 1000))
    })
    searchAll.mockResolvedValueOnce(answer([hits[0]]))
    const wrapper = mount(AppShellSearch)
    const input = wrapper.get('input')
    await input.setValue('old')
    await vi.advanceTimersByTimeAsync(150)
    await input.setValue('new')
    expect(firstSignal.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(2000)
    await flushPromises()
    const options = wrapper.findAll('[role="option"]')
    expect(options).toHaveLength(2)
    expect(options[0].text()).toContain('Product')
  })

  it('moves with the arrow keys, opens the active hit with Enter and closes with Escape', async () => {
    searchAll.mockResolvedValue(answer())
    const wrapper = mount(AppShellSearch)
    const input = wrapper.get('input')
    await input.setValue('acme')
    await vi.advanceTimersByTimeAsync(150)
    await flushPromises()
    await input.trigger('keydown', { key: 'ArrowDown' })
    await input.trigger('keydown', { key: 'ArrowDown' })
    const options = wrapper.findAll('[role="option"]')
    expect(options[1].attributes('aria-selected')).toBe('true')
    expect(input.attributes('aria-activedescendant')).toBe(options[1].attributes('id'))
    await input.trigger('keydown', { key: 'ArrowUp' })
    await input.trigger('keydown', { key: 'ArrowUp' })
    expect(options[2].attributes('aria-selected')).toBe('true') // wraps to "See all results"
    await input.trigger('keydown', { key: 'ArrowDown' })
    await input.trigger('keydown', { key: 'Enter' })
    expect(push).toHaveBeenCalledWith({ name: 'product', params: { id: '3' } })

    await input.setValue('acme')
    await vi.advanceTimersByTimeAsync(150)
    await flushPromises()
    expect(input.attributes('aria-expanded')).toBe('true')
    await input.trigger('keydown', { key: 'Escape' })
    expect(input.attributes('aria-expanded')).toBe('false')
  })

  it('Enter without a chosen hit opens the search page', async () => {
    searchAll.mockResolvedValue(answer())
    const wrapper = mount(AppShellSearch)
    const input = wrapper.get('input')
    await input.setValue(' acme bond ')
    await input.trigger('keydown', { key: 'Enter' })
    expect(push).toHaveBeenCalledWith({ name: 'search', query: { q: 'acme bond' } })
  })

  it('says when nothing matches and when the search failed', async () => {
    searchAll.mockResolvedValueOnce(answer([]))
    const wrapper = mount(AppShellSearch)
    const input = wrapper.get('input')
    await input.setValue('zzz')
    await vi.advanceTimersByTimeAsync(150)
    await flushPromises()
    expect(wrapper.text()).toContain('Nothing matches “zzz”.')
    searchAll.mockRejectedValueOnce(new Error('Could not reach the server.'))
    await input.setValue('zzzz')
    await vi.advanceTimersByTimeAsync(150)
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('Could not reach the server.')
  })
})
