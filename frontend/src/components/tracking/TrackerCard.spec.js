import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../api/client.js'
import TrackerCard from './TrackerCard.vue'

const tracker = {
  id: 7,
  name: 'Meditated',
  type: 'boolean',
  frequency: 'daily',
  settings: {},
  archived: false,
  due: true,
  last_log: null,
  sparkline: [],
  log_count: 0,
}

function mountCard(props) {
  return mount(TrackerCard, { props, global: { stubs: { RouterLink: RouterLinkStub } } })
}

describe('TrackerCard', () => {
  it('shows the due state and quick-logs a value', async () => {
    const quickLog = vi.fn(async () => ({}))
    const wrapper = mountCard({ tracker, quickLog })
    expect(wrapper.text()).toContain('Due today')
    expect(wrapper.text()).toContain('Nothing logged yet')
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Quick log')
      .trigger('click')
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'No')
      .trigger('click')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(quickLog).toHaveBeenCalledWith(tracker, false)
    expect(wrapper.text()).toContain('Logged.')
  })

  it('shows the value error from the API', async () => {
    const quickLog = vi.fn(async () => {
      throw new ApiError(400, 'validation_error', 'Some fields are invalid.', { value: 'Must be at most 300.' })
    })
    const wrapper = mountCard({ tracker: { ...tracker, type: 'numeric', settings: { max: 300 } }, quickLog })
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Quick log')
      .trigger('click')
    await wrapper.get('input').setValue('301')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(quickLog).toHaveBeenCalledWith(expect.anything(), 301)
    expect(wrapper.text()).toContain('Must be at most 300.')
  })

  it('shows the last value and when', () => {
    const wrapper = mountCard({
      tracker: {
        ...tracker,
        type: 'duration',
        due: false,
        last_log: { value: 5340, timestamp: new Date().toISOString(), display: '1h 29m' },
      },
      quickLog: vi.fn(),
    })
    expect(wrapper.text()).toContain('1h 29m')
    expect(wrapper.text()).toContain('Done')
  })
})
