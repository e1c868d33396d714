import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client.js'
import { PROBE_MS } from '../../composables/useServerStatus.js'
import { useAuthStore } from '../../stores/auth.js'
import { jsonResponse, mockFetch } from '../../test-utils.js'
import AppServerBanner from './AppServerBanner.vue'

const TEXT = 'The server is having trouble — retrying…'
const unavailable = () =>
  jsonResponse(503, { error: { code: 'unavailable', message: 'Down.' } }, { 'Retry-After': '1' })

describe('AppServerBanner', () => {
  let wrapper

  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
    useAuthStore().setToken('tok')
    vi.useFakeTimers()
    wrapper = mount(AppServerBanner)
  })

  afterEach(async () => {
    mockFetch(() => jsonResponse(200, {}))
    await api.get('/config', { retry: false })
    wrapper.unmount()
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('shows while a GET meets a 503 and hides once the retry succeeds', async () => {
    const answers = [unavailable(), jsonResponse(200, { items: [] })]
    mockFetch(() => answers.shift())
    expect(wrapper.text()).toBe('')

    const pending = api.get('/trackers')
    await vi.advanceTimersByTimeAsync(0)
    expect(wrapper.get('[role="status"]').text()).toBe(TEXT)
    expect(useAuthStore().token).toBe('tok')

    await vi.advanceTimersByTimeAsync(1000)
    await pending
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[role="status"]').exists()).toBe(false)
  })

  it('shows when the server cannot be reached and probes until it answers again', async () => {
    let down = true
    const fetchMock = mockFetch((url) => {
      if (down) return Promise.reject(new TypeError('Failed to fetch'))
      return jsonResponse(200, url === '/api/config' ? { registration: 'invite', version: '0.1.0' } : {})
    })

    await api.post('/trackers', { name: 'x' }).catch(() => {})
    await wrapper.vm.$nextTick()
    expect(wrapper.text()).toBe(TEXT)
    expect(fetchMock).toHaveBeenCalledTimes(1)

    await vi.advanceTimersByTimeAsync(PROBE_MS)
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(fetchMock.mock.calls[1][0]).toBe('/api/config')
    expect(wrapper.text()).toBe(TEXT)

    down = false
    await vi.advanceTimersByTimeAsync(PROBE_MS)
    await wrapper.vm.$nextTick()
    expect(wrapper.text()).toBe('')
    expect(useAuthStore().token).toBe('tok')

    // No trouble, no probing.
    await vi.advanceTimersByTimeAsync(PROBE_MS * 3)
    expect(fetchMock).toHaveBeenCalledTimes(3)
  })
})
