import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import ShopAddToCartButton from './ShopAddToCartButton.vue'

function button(product) {
  return mount(ShopAddToCartButton, { props: { product: { id: 1, name: 'Gloves', ...product } } }).get('button')
}

describe('ShopAddToCartButton', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('offers what checkout accepts: priced member products and supplier rows in stock', () => {
    expect(button({ source: 'member', price: 12.5, availability: null }).attributes('disabled')).toBeUndefined()
    expect(button({ source: 'supplier', price: 3, availability: 'in_stock' }).attributes('disabled')).toBeUndefined()
    expect(button({ price: 3, availability: 'less_than_10' }).attributes('disabled')).toBeUndefined()
  })

  it('is disabled, with a reason, for what checkout would refuse', () => {
    for (const product of [
      { source: 'member', price: null },
      { source: 'member', price: 5, availability: 'out_of_stock' },
      { source: 'supplier', price: 3, availability: 'out_of_stock' },
      { source: 'supplier', price: 3, availability: null },
      { source: 'supplier', price: 3, availability: 'in_stock', discontinued_at: '2026-11-30T00:00:00Z' },
    ]) {
      const b = button(product)
      expect(b.attributes('disabled'), JSON.stringify(product)).toBeDefined()
      expect(b.attributes('title')).toBe('Not available to buy right now')
    }
  })
})
