import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { jsonResponse, mockFetch } from '../test-utils.js'
import WatchUnsubscribePage from './WatchUnsubscribePage.vue'

async function mountAt(path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/watch/unsubscribe', component: WatchUnsubscribePage },
      { path: '/products', component: { template: '<p>products</p>' } },
    ],
  })
  router.push(path)
  await router.isReady()
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(WatchUnsubscribePage, { global: { plugins: [router, pinia] } })
  await flushPromises()
  return wrapper
}

describe('WatchUnsubscribePage', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('only reads on open, and stops every watch when the button is pressed', async () => {
    const calls = []
    let unsubscribed = false
    mockFetch((url, init) => {
      calls.push(`${init.method || 'GET'} ${url}`)
      if (init.method === 'POST') {
        unsubscribed = true
        expect(JSON.parse(init.body)).toEqual({ token: 'tok' })
      }
      return jsonResponse(200, {
        unsubscribe: { email: 'me@example.com', watching: unsubscribed ? 0 : 3, unsubscribed },
      })
    })
    const wrapper = await mountAt('/watch/unsubscribe?token=tok')
    expect(calls).toEqual(['GET /api/watch/unsubscribe?token=tok'])
    expect(wrapper.text()).toContain('Stop watching 3 products and get no more watch emails at me@example.com?')

    await wrapper.get('button').trigger('click')
    await flushPromises()
    expect(calls[1]).toBe('POST /api/watch/unsubscribe')
    expect(wrapper.get('[role="status"]').text()).toContain('me@example.com watches no products now')
  })

  it('shows why a bad link is refused', async () => {
    mockFetch(() =>
      jsonResponse(400, { error: { code: 'invalid_token', message: 'This unsubscribe link is not valid.' } }),
    )
    const wrapper = await mountAt('/watch/unsubscribe?token=bad')
    expect(wrapper.get('[role="alert"]').text()).toContain('This unsubscribe link is not valid.')
    expect(wrapper.find('button').exists()).toBe(false)
  })
})
