import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import InventorySupplierBanner from './InventorySupplierBanner.vue'

function status(last_run, extra = {}) {
  return {
    last_run,
    last_success_at: '2026-11-30T10:00:00Z',
    stale: false,
    stale_reasons: [],
    ...extra,
  }
}

const failedRun = {
  status: 'failed',
  message: 'category:gloves: ConnectError; 14909 updated',
  sources: {
    'category:gloves': { status: 'failed', attempts: 3, requests: 6, seconds: 9, error: 'ConnectError' },
    'category:beanies': { status: 'failed', attempts: 3, requests: 6, seconds: 9, error: 'ConnectError' },
  },
}

describe('InventorySupplierBanner', () => {
  it('says when the last good update was and what failed, with details behind a toggle', async () => {
    const wrapper = mount(InventorySupplierBanner, {
      props: { status: status(failedRun), updatedAgo: '4 min ago' },
      attachTo: document.body,
    })
    expect(wrapper.attributes('role')).toBe('alert')
    expect(wrapper.text()).toContain('Supplier unreachable')
    expect(wrapper.text()).toContain('Last successful update 4 min ago.')
    expect(wrapper.text()).toContain('None of the 2 supplier sources answered.')
    expect(wrapper.text()).not.toContain('14909 updated')
    const table = wrapper.get('table')
    expect(table.isVisible()).toBe(false)
    const toggle = wrapper.get('button')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    expect(toggle.attributes('aria-expanded')).toBe('true')
    expect(table.isVisible()).toBe(true)
    expect(table.text()).toContain('the Gloves list')
    expect(table.text()).toContain('ConnectError')
    wrapper.unmount()
  })

  it('is a warning for a partial run and hidden after a good one', () => {
    const partialRun = {
      status: 'partial',
      sources: {
        'category:gloves': { status: 'ok', attempts: 1, requests: 1, seconds: 1 },
        'manufacturer:ippal': { status: 'failed', attempts: 3, requests: 6, seconds: 4, error: '503' },
      },
    }
    const partial = mount(InventorySupplierBanner, { props: { status: status(partialRun), updatedAgo: 'just now' } })
    expect(partial.attributes('role')).toBe('status')
    expect(partial.text()).toContain('Data may be out of date')
    expect(partial.text()).toContain('1 of 2 sources: Ippal availability')
    const ok = mount(InventorySupplierBanner, {
      props: { status: status({ status: 'ok', sources: {} }), updatedAgo: 'just now' },
    })
    expect(ok.find('[data-testid="supplier-banner"]').exists()).toBe(false)
  })
})
