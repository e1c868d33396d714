import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'

vi.mock('../api/client.js', () => ({ api: { get: vi.fn() } }))

const { api } = await import('../api/client.js')
const { useInventoryStatus, formatAgo, formatCountdown, STATUS_POLL_MS } = await import('./useInventoryStatus.js')

function status(overrides = {}) {
  return {
    poll_seconds: 300,
    running: false,
    last_run: null,
    last_success_at: new Date(Date.now() - 90_000).toISOString(),
    next_poll_at: new Date(Date.now() + 125_000).toISOString(),
    stale: false,
    stale_reasons: [],
    stale_products: 0,
    data_version: 'v1',
    categories: [],
    ...overrides,
  }
}

function mountWith(options) {
  let exposed
  const Host = defineComponent({
    setup() {
      exposed = useInventoryStatus(options)
      return () => h('div')
    },
  })
  const wrapper = mount(Host)
  return { wrapper, get: () => exposed }
}

describe('formatAgo and formatCountdown', () => {
  it('reads like a person would say it', () => {
    expect(formatAgo(null)).toBe('never')
    expect(formatAgo(2)).toBe('just now')
    expect(formatAgo(42)).toBe('42 s ago')
    expect(formatAgo(185)).toBe('3 min ago')
    expect(formatAgo(7200)).toBe('2 h ago')
    expect(formatAgo(86_400)).toBe('1 day ago')
    expect(formatCountdown(125)).toBe('2:05')
    expect(formatCountdown(0.2)).toBe('0:01')
    expect(formatCountdown(-3)).toBe('0:00')
    expect(formatCountdown(3725)).toBe('1:02:05')
    expect(formatCountdown(null)).toBe(null)
  })
})

describe('useInventoryStatus', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-11-22T12:00:00Z'))
    api.get.mockReset()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('shows how long ago the data was updated and counts down every second', async () => {
    api.get.mockResolvedValue(status())
    const { get, wrapper } = mountWith()
    await get().start()
    expect(api.get).toHaveBeenCalledWith('/inventory/status')
    expect(get().updatedAgo.value).toBe('1 min ago')
    expect(get().countdown.value).toBe('2:05')
    await vi.advanceTimersByTimeAsync(5000)
    expect(get().countdown.value).toBe('2:00')
    wrapper.unmount()
  })

  it('polls the status every 15 s and calls onDataChanged only when the data version moves', async () => {
    const onDataChanged = vi.fn()
    api.get
      .mockResolvedValueOnce(status({ data_version: 'v1' }))
      .mockResolvedValueOnce(status({ data_version: 'v1' }))
      .mockResolvedValueOnce(status({ data_version: 'v2' }))
    const { get, wrapper } = mountWith({ onDataChanged })
    await get().start()
    expect(onDataChanged).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(STATUS_POLL_MS)
    expect(api.get).toHaveBeenCalledTimes(2)
    expect(onDataChanged).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(STATUS_POLL_MS)
    expect(api.get).toHaveBeenCalledTimes(3)
    expect(onDataChanged).toHaveBeenCalledTimes(1)
    expect(onDataChanged.mock.calls[0][0].data_version).toBe('v2')
    wrapper.unmount()
  })

  it('asks again soon after the countdown reaches zero', async () => {
    api.get.mockResolvedValue(status({ next_poll_at: new Date(Date.now() + 2000).toISOString() }))
    const { get, wrapper } = mountWith()
    await get().start()
    await vi.advanceTimersByTimeAsync(3000)
    expect(get().due.value).toBe(true)
    await vi.advanceTimersByTimeAsync(4000)
    expect(api.get).toHaveBeenCalledTimes(2)
    wrapper.unmount()
  })

  it('keeps the last status and reports the error when a refresh fails', async () => {
    api.get.mockResolvedValueOnce(status()).mockRejectedValueOnce(Object.assign(new Error('offline'), { status: 0 }))
    const { get, wrapper } = mountWith()
    await get().start()
    await vi.advanceTimersByTimeAsync(STATUS_POLL_MS)
    await flushPromises()
    expect(get().error.value.message).toBe('offline')
    expect(get().status.value.data_version).toBe('v1')
    wrapper.unmount()
  })

  it('stops polling when the component goes away', async () => {
    api.get.mockResolvedValue(status())
    const { get, wrapper } = mountWith()
    await get().start()
    wrapper.unmount()
    await vi.advanceTimersByTimeAsync(STATUS_POLL_MS * 3)
    expect(api.get).toHaveBeenCalledTimes(1)
  })
})
