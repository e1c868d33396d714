import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import TrackerValueInput from './TrackerValueInput.vue'

function mountFor(tracker, modelValue = null) {
  return mount(TrackerValueInput, {
    props: { tracker, modelValue, 'onUpdate:modelValue': (v) => wrapperRef.wrapper.setProps({ modelValue: v }) },
  })
}
const wrapperRef = {}

describe('TrackerValueInput', () => {
  it('shows a number field with the unit for numeric trackers', () => {
    wrapperRef.wrapper = mountFor({ type: 'numeric', settings: { unit: 'kg', min: 0 } }, '')
    const input = wrapperRef.wrapper.get('input[type="number"]')
    expect(input.attributes('min')).toBe('0')
    expect(wrapperRef.wrapper.text()).toContain('kg')
  })

  it('toggles yes/no for boolean trackers', async () => {
    wrapperRef.wrapper = mountFor({ type: 'boolean', settings: {} }, true)
    await wrapperRef.wrapper.findAll('button')[1].trigger('click')
    expect(wrapperRef.wrapper.emitted('update:modelValue').at(-1)).toEqual([false])
  })

  it('offers one button per option for choice trackers', async () => {
    wrapperRef.wrapper = mountFor({ type: 'choice', settings: { options: ['Tea', 'Coffee', 'Water'] } })
    const buttons = wrapperRef.wrapper.findAll('button')
    expect(buttons.map((b) => b.text())).toEqual(['Tea', 'Coffee', 'Water'])
    await buttons[2].trigger('click')
    expect(wrapperRef.wrapper.emitted('update:modelValue').at(-1)).toEqual(['Water'])
  })

  it('draws as many stars as the scale and picks one', async () => {
    wrapperRef.wrapper = mountFor({ type: 'rating', settings: { scale: 7 } })
    const stars = wrapperRef.wrapper.findAll('button')
    expect(stars).toHaveLength(7)
    await stars[3].trigger('click')
    expect(wrapperRef.wrapper.emitted('update:modelValue').at(-1)).toEqual([4])
  })

  it('previews a typed duration and explains a wrong one', async () => {
    wrapperRef.wrapper = mountFor({ type: 'duration', settings: {} }, '1h 29m')
    expect(wrapperRef.wrapper.text()).toContain('= 1h 29m')
    await wrapperRef.wrapper.setProps({ modelValue: 'later' })
    expect(wrapperRef.wrapper.text()).toContain('Write it like')
  })

  it('shows a text area for text trackers and the error it is given', () => {
    wrapperRef.wrapper = mount(TrackerValueInput, {
      props: { tracker: { type: 'text', settings: {} }, modelValue: '', error: 'A value is required.' },
    })
    expect(wrapperRef.wrapper.find('textarea').exists()).toBe(true)
    expect(wrapperRef.wrapper.get('[role="alert"]').text()).toBe('A value is required.')
  })
})

describe('TrackerValueInput stars (ARIA radio pattern)', () => {
  it('has one tab stop and moves the rating with the arrow keys', async () => {
    wrapperRef.wrapper = mountFor({ type: 'rating', settings: { scale: 5 } }, null)
    const stars = () => wrapperRef.wrapper.findAll('[role="radio"]')
    expect(stars().map((s) => s.attributes('tabindex'))).toEqual(['0', '-1', '-1', '-1', '-1'])
    await wrapperRef.wrapper.get('[role="radiogroup"]').trigger('keydown', { key: 'ArrowRight' })
    expect(wrapperRef.wrapper.emitted('update:modelValue').at(-1)).toEqual([1])
    await wrapperRef.wrapper.get('[role="radiogroup"]').trigger('keydown', { key: 'ArrowRight' })
    expect(wrapperRef.wrapper.emitted('update:modelValue').at(-1)).toEqual([2])
    expect(stars().map((s) => s.attributes('tabindex'))).toEqual(['-1', '0', '-1', '-1', '-1'])
    await wrapperRef.wrapper.get('[role="radiogroup"]').trigger('keydown', { key: 'End' })
    expect(wrapperRef.wrapper.emitted('update:modelValue').at(-1)).toEqual([5])
    await wrapperRef.wrapper.get('[role="radiogroup"]').trigger('keydown', { key: 'ArrowRight' })
    expect(wrapperRef.wrapper.emitted('update:modelValue').at(-1)).toEqual([1])
  })
})
