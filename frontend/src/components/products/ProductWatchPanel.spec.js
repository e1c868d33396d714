import { createPinia, setActivePinia } from 'pinia'
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, mockFetch } from '../../test-utils.js'
import ProductWatchPanel from './ProductWatchPanel.vue'

function server() {
  const state = { watching: false, watchers: [{ id: 2, name: 'Ann', since: '2026-12-01T10:00:00Z' }] }
  const calls = []
  const fetchMock = mockFetch((url, init) => {
    const method = init.method || 'GET'
    calls.push(`${method} ${new URL(url, 'http://x').pathname}`)
    if (url.includes('/watchers')) {
      const items = state.watching
        ? [...state.watchers, { id: 1, name: 'Me', since: '2026-12-01T11:00:00Z' }]
        : state.watchers
      return jsonResponse(200, { items, page: 1, per_page: 50, total: items.length })
    }
    if (method === 'PUT') state.watching = true
    if (method === 'DELETE') state.watching = false
    return jsonResponse(200, { watch: { product_id: 5, watching: state.watching, watchers: state.watching ? 2 : 1 } })
  })
  return { fetchMock, calls }
}

describe('ProductWatchPanel', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('shows who watches and toggles watching with PUT then DELETE', async () => {
    const { calls } = server()
    const wrapper = mount(ProductWatchPanel, { props: { product: { id: 5, name: 'Widget' } } })
    await flushPromises()
    const button = wrapper.get('button')
    expect(button.text()).toBe('Watch')
    expect(button.attributes('aria-pressed')).toBe('false')
    expect(wrapper.findAll('.product-watch__person').map((li) => li.text())).toEqual(['Ann'])

    await button.trigger('click')
    await flushPromises()
    expect(calls).toContain('PUT /api/products/5/watch')
    expect(wrapper.get('button').text()).toBe('Watching')
    expect(wrapper.get('button').attributes('aria-pressed')).toBe('true')
    expect(wrapper.findAll('.product-watch__person').map((li) => li.text())).toEqual(['Ann', 'Me'])
    expect(wrapper.emitted('change')[0][0].watching).toBe(true)

    await wrapper.get('button').trigger('click')
    await flushPromises()
    expect(calls).toContain('DELETE /api/products/5/watch')
    expect(wrapper.get('button').text()).toBe('Watch')
  })

  it('shows the error with a retry when loading fails', async () => {
    mockFetch(() => jsonResponse(404, { error: { code: 'not_found', message: 'Product not found.' } }))
    const wrapper = mount(ProductWatchPanel, { props: { product: { id: 9 } } })
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('Product not found.')
  })
})
