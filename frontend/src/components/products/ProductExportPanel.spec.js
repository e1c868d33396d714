import { createPinia, setActivePinia } from 'pinia'
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, mockFetch } from '../../test-utils.js'
import ProductExportPanel from './ProductExportPanel.vue'

const done = {
  id: 3,
  kind: 'product_export',
  status: 'succeeded',
  progress: 100,
  message: 'Exported Widget',
  result: {
    product_id: 5,
    download_url: '/api/products/exports/3?signature=abc',
    filename: 'trackbase-widget.zip',
    bytes: 2 * 1024 * 1024,
    attached: true,
    emailed_to: 'me@example.com',
  },
}

describe('ProductExportPanel', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('starts an export, follows its progress and then links the bundle', async () => {
    let polls = 0
    const fetchMock = mockFetch((url, init) => {
      if (init.method === 'POST')
        return jsonResponse(202, { job: { ...done, status: 'queued', progress: 0, result: null } })
      if (url.includes('/jobs/3')) {
        polls += 1
        return jsonResponse(200, {
          job:
            polls < 2
              ? { ...done, status: 'running', progress: 40, message: 'Added 1 of 2 documents', result: null }
              : done,
        })
      }
      return jsonResponse(200, { items: [], page: 1, per_page: 50, total: 0 })
    })
    const wrapper = mount(ProductExportPanel, { props: { product: { id: 5, name: 'Widget' } } })
    await flushPromises()
    expect(wrapper.find('[role="progressbar"]').exists()).toBe(false)

    await wrapper.get('button').trigger('click')
    await flushPromises()
    expect(fetchMock.mock.calls.some(([u, i]) => u.includes('/api/products/5/export') && i.method === 'POST')).toBe(
      true,
    )
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('40')
    expect(wrapper.text()).toContain('Added 1 of 2 documents')

    await vi.advanceTimersByTimeAsync(1000)
    await flushPromises()
    expect(wrapper.get('a').attributes('href')).toBe('/api/products/exports/3?signature=abc')
    expect(wrapper.get('.product-export__done').text()).toBe(
      'trackbase-widget.zip · 2.0 MB · attached to the email to me@example.com',
    )
  })

  it("shows this product's latest export after a reload", async () => {
    mockFetch(() =>
      jsonResponse(200, {
        items: [{ ...done, id: 2, result: { ...done.result, product_id: 6 } }, done],
        page: 1,
        per_page: 50,
        total: 2,
      }),
    )
    const wrapper = mount(ProductExportPanel, { props: { product: { id: 5 } } })
    await flushPromises()
    expect(wrapper.get('a').attributes('href')).toBe(done.result.download_url)
    expect(wrapper.get('.product-export__done').text()).toContain('trackbase-widget.zip')
  })
})
