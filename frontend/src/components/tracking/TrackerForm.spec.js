import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../api/client.js'
import TrackerForm from './TrackerForm.vue'

describe('TrackerForm', () => {
  it('sends the settings of the chosen type', async () => {
    const save = vi.fn(async (body) => ({ id: 1, ...body }))
    const wrapper = mount(TrackerForm, { props: { save } })
    const inputs = () => wrapper.findAll('input.input')
    await inputs()[0].setValue('Drink')
    await wrapper.findAll('select')[0].setValue('choice')
    const options = wrapper.findAll('input[aria-label^="Option"]')
    await options[0].setValue('Tea')
    await options[1].setValue(' Coffee ')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(save).toHaveBeenCalledWith(
      expect.objectContaining({
        name: 'Drink',
        type: 'choice',
        frequency: 'daily',
        reminders: true,
        settings: { options: ['Tea', 'Coffee'] },
        product_id: null,
      }),
    )
    expect(wrapper.emitted('saved')).toHaveLength(1)
  })

  it('asks for a name before sending anything', async () => {
    const save = vi.fn()
    const wrapper = mount(TrackerForm, { props: { save } })
    await wrapper.get('form').trigger('submit')
    expect(save).not.toHaveBeenCalled()
    expect(wrapper.text()).toContain('Give the tracker a name.')
  })

  it('shows why a type change was refused', async () => {
    const tracker = {
      id: 4,
      name: 'Weight',
      type: 'numeric',
      frequency: 'daily',
      settings: { unit: 'kg' },
      reminders: true,
      archived: false,
      product_id: null,
      description: '',
    }
    const save = vi.fn(async () => {
      throw new ApiError(409, 'conversion_refused', '3 of 3 logs cannot be converted from numeric to boolean', {
        type: '3 logs do not fit.',
      })
    })
    const wrapper = mount(TrackerForm, { props: { tracker, save } })
    await wrapper.findAll('select')[0].setValue('boolean')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('The type was not changed')
    expect(wrapper.text()).toContain('cannot be converted from numeric to boolean')
    expect(wrapper.text()).toContain('3 logs do not fit.')
  })
})
