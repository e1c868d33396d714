import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import ShopCartLines from './ShopCartLines.vue'

const line = {
  product_id: 7,
  name: 'Winter gloves',
  quantity: 2,
  unit_price_cents: 1200,
  added_unit_price_cents: 1000,
  line_total_cents: 2400,
  availability: 'out_of_stock',
  availability_as_of: '2026-12-01T10:00:00Z',
  purchasable: false,
  flags: ['out_of_stock', 'price_changed'],
}

describe('ShopCartLines', () => {
  it('flags a line that went out of stock and changed price, with the old and new price', () => {
    const wrapper = mount(ShopCartLines, { props: { items: [line], currency: 'EUR' } })
    const row = wrapper.get('tr[data-product-id="7"]')
    expect(row.classes()).toContain('is-blocked')
    expect(row.get('[data-flag="out_of_stock"]').text()).toMatch(/Out of stock.*as of/)
    expect(row.get('[data-flag="price_changed"]').text()).toMatch(/10[.,]00.*12[.,]00/)
  })

  it('asks for a new quantity and ignores one out of range', async () => {
    const wrapper = mount(ShopCartLines, { props: { items: [line], currency: 'EUR' } })
    const input = wrapper.get('input[type="number"]')
    await input.setValue('100')
    expect(wrapper.emitted('quantity')).toBeUndefined()
    await input.setValue('3')
    expect(wrapper.emitted('quantity')[0][1]).toBe(3)
  })
})
