import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { jsonResponse, mockFetch } from '../../test-utils.js'
import InventoryTable from './InventoryTable.vue'

const item = {
  id: 5,
  name: 'TAKUPÄ SMALL',
  manufacturer: 'ippal',
  colors: ['red', 'white'],
  price: 42,
  availability: 'less_than_10',
  availability_stale: true,
}

describe('InventoryTable', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('shows name, manufacturer, colour swatches, price and the availability badge', () => {
    const wrapper = mount(InventoryTable, { props: { items: [item] } })
    const row = wrapper.get('tr[data-product-id="5"]')
    expect(row.text()).toContain('TAKUPÄ SMALL')
    expect(row.text()).toContain('ippal')
    expect(row.findAll('.inventory-swatches__dot')).toHaveLength(2)
    expect(row.get('.inventory-table__num').text()).toMatch(/42[.,]00/)
    expect(row.get('[data-availability]').attributes('data-availability')).toBe('less_than_10')
    expect(row.text()).toContain('Less than 10')
    expect(row.text()).toContain('stale')
  })

  it('asks for the history of a row', async () => {
    const wrapper = mount(InventoryTable, { props: { items: [item] } })
    await wrapper.get('.inventory-table__history').trigger('click')
    expect(wrapper.emitted('history')[0][0]).toEqual(item)
  })

  it('sorts from the column headers: a click flips the sorted column, another sorts ascending', async () => {
    const wrapper = mount(InventoryTable, { props: { items: [item], sort: 'name' } })
    const header = (name) => wrapper.findAll('th').find((th) => th.text().startsWith(name))
    expect(header('Name').attributes('aria-sort')).toBe('ascending')
    expect(header('Price').attributes('aria-sort')).toBe('none')
    expect(header('Colours').attributes('aria-sort')).toBeUndefined()
    await header('Name').get('button').trigger('click')
    expect(wrapper.emitted('sort').at(-1)).toEqual(['-name'])
    await header('Price').get('button').trigger('click')
    expect(wrapper.emitted('sort').at(-1)).toEqual(['price'])
    await wrapper.setProps({ sort: '-price' })
    expect(header('Price').attributes('aria-sort')).toBe('descending')
  })

  it('adds a row to the cart', async () => {
    const fetchMock = mockFetch(() =>
      jsonResponse(200, { cart: { items: [], item_count: 1, total_cents: 4200, currency: 'EUR', purchasable: true } }),
    )
    const wrapper = mount(InventoryTable, { props: { items: [item] } })
    await wrapper.get('button[aria-label="Add to cart: TAKUPÄ SMALL"]').trigger('click')
    await flushPromises()
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/cart/items/5')
    expect(init.method).toBe('PUT')
    expect(JSON.parse(init.body)).toEqual({ quantity: 1 })
  })

  it('does not offer an out-of-stock row', () => {
    const wrapper = mount(InventoryTable, { props: { items: [{ ...item, availability: 'out_of_stock' }] } })
    expect(wrapper.get('button[aria-label="Add to cart: TAKUPÄ SMALL"]').attributes('disabled')).toBeDefined()
  })
})
