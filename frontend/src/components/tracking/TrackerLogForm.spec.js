import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import TrackerLogForm from './TrackerLogForm.vue'

const tracker = { id: 1, type: 'numeric', settings: { unit: 'kg' } }

describe('TrackerLogForm', () => {
  it('sends a number and leaves the time to the server when untouched', async () => {
    const save = vi.fn(async (body) => ({ id: 9, ...body }))
    const wrapper = mount(TrackerLogForm, { props: { tracker, save, timeZone: 'UTC' } })
    await wrapper.get('input[type="number"]').setValue('72.5')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(save).toHaveBeenCalledWith({ value: 72.5, note: '' })
  })

  it('sends a changed time on the wall clock, without an offset', async () => {
    const save = vi.fn(async (body) => body)
    const log = { id: 3, value: 70, note: 'x', timestamp: '2026-07-01T12:00:00Z' }
    const wrapper = mount(TrackerLogForm, { props: { tracker, save, log, timeZone: 'America/New_York' } })
    const when = wrapper.get('input[type="datetime-local"]')
    expect(when.element.value).toBe('2026-07-01T08:00')
    await when.setValue('2026-07-01T09:15')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(save).toHaveBeenCalledWith({ value: 70, note: 'x', timestamp: '2026-07-01T09:15:00' })
  })

  it('shows the API field errors', async () => {
    const save = vi.fn(async () => {
      const err = new Error('Some fields are invalid.')
      err.fields = { value: 'Must be at least 0.' }
      throw err
    })
    const wrapper = mount(TrackerLogForm, { props: { tracker, save } })
    await wrapper.get('input[type="number"]').setValue('-1')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('Must be at least 0.')
  })
})
