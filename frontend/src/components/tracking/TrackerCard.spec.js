import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../api/client.js'
import { useToasts } from '../../composables/useToasts.js'
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
  it('logs a yes/no in one tap and offers an undo that deletes the created log', async () => {
    const log = { id: 41, value: false }
    const quickLog = vi.fn(async () => log)
    const undoLog = vi.fn(async () => {})
    const { toasts, runAction } = useToasts()
    toasts.splice(0)
    const wrapper = mountCard({ tracker, quickLog, undoLog })
    expect(wrapper.text()).toContain('Due today')
    expect(wrapper.text()).toContain('Nothing logged yet')
    expect(wrapper.text()).not.toContain('Quick log')
    await wrapper.get('button[aria-label="Log No"]').trigger('click')
    await flushPromises()
    expect(quickLog).toHaveBeenCalledWith(tracker, false)
    expect(wrapper.text()).toContain('Logged.')
    expect(toasts.at(-1).message).toBe('Logged No for Meditated')
    expect(toasts.at(-1).action.label).toBe('Undo')
    await runAction(toasts.at(-1).id)
    expect(undoLog).toHaveBeenCalledWith(tracker, log)
    expect(toasts.at(-1).message).toBe('Removed that log of Meditated')
  })

  it('logs a rating in one tap, one button per star', async () => {
    const quickLog = vi.fn(async () => ({ id: 1 }))
    const wrapper = mountCard({ tracker: { ...tracker, type: 'rating', settings: { scale: 4 } }, quickLog })
    const stars = wrapper.findAll('.tracker-card__tap-button')
    expect(stars.map((b) => b.attributes('aria-label'))).toEqual([
      'Log 1 of 4',
      'Log 2 of 4',
      'Log 3 of 4',
      'Log 4 of 4',
    ])
    await stars[2].trigger('click')
    await flushPromises()
    expect(quickLog).toHaveBeenCalledWith(expect.anything(), 3)
  })

  it('keeps the quick-log form for a choice with many options', async () => {
    const options = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
    const wrapper = mountCard({ tracker: { ...tracker, type: 'choice', settings: { options } }, quickLog: vi.fn() })
    expect(wrapper.find('.tracker-card__tap').exists()).toBe(false)
    expect(wrapper.text()).toContain('Quick log')
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
