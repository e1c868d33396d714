import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('../../api/products.js', () => ({ listProducts: vi.fn(), getProduct: vi.fn() }))

const { listProducts, getProduct } = await import('../../api/products.js')
const { default: ProductPicker } = await import('./ProductPicker.vue')

const items = [
  { id: 3, name: 'Acme Bond', category: 'Bonds', manufacturer: 'Acme' },
  { id: 7, name: 'Acme Stock', category: 'Stocks', manufacturer: null },
]
const stubs = { RouterLink: { props: ['to'], template: '<a><slot /></a>' } }

describe('ProductPicker', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    listProducts.mockReset()
    getProduct.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('searches once typing pauses and picks with the keyboard', async () => {
    listProducts.mockResolvedValue({ items, page: 1, per_page: 8, total: 2 })
    const wrapper = mount(ProductPicker, { props: { modelValue: null }, global: { stubs } })
    const input = wrapper.get('input[role="combobox"]')
    await input.setValue('ac')
    await input.setValue('acm')
    await vi.advanceTimersByTimeAsync(300)
    await flushPromises()
    expect(listProducts).toHaveBeenCalledTimes(1)
    expect(listProducts).toHaveBeenCalledWith({ q: 'acm', per_page: 8, sort: 'name' })
    expect(wrapper.findAll('[role="option"]')).toHaveLength(2)
    await input.trigger('keydown', { key: 'ArrowDown' })
    expect(wrapper.findAll('[role="option"]')[1].attributes('aria-selected')).toBe('true')
    await input.trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('update:modelValue')).toEqual([[7]])
  })

  it('shows the name of a product set from outside and unlinks it', async () => {
    getProduct.mockResolvedValue({ product: { id: 3, name: 'Acme Bond' } })
    const wrapper = mount(ProductPicker, { props: { modelValue: 3 }, global: { stubs } })
    await flushPromises()
    expect(wrapper.text()).toContain('Acme Bond')
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('update:modelValue')).toEqual([[null]])
  })

  it('says when nothing matches', async () => {
    listProducts.mockResolvedValue({ items: [], page: 1, per_page: 8, total: 0 })
    const wrapper = mount(ProductPicker, { props: { modelValue: null }, global: { stubs } })
    await wrapper.get('input').setValue('zzz')
    await vi.advanceTimersByTimeAsync(300)
    await flushPromises()
    expect(wrapper.text()).toContain('No product matches.')
  })
})
