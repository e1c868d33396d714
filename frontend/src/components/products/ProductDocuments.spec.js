import { flushPromises, mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('../../api/documents.js', () => ({
  listDocuments: vi.fn(),
  uploadDocument: vi.fn(),
  deleteDocument: vi.fn(),
}))

const api = await import('../../api/documents.js')
const { default: ProductDocuments } = await import('./ProductDocuments.vue')

function doc(overrides = {}) {
  return {
    id: 1,
    product_id: 7,
    filename: 'report.pdf',
    content_type: 'application/pdf',
    size_bytes: 2048,
    sha256: '0'.repeat(64),
    text_status: 'indexed',
    text_message: '',
    uploaded_by_id: 1,
    uploaded_by_name: 'Ann',
    created_at: '2026-12-01T10:00:00Z',
    download_url: '/api/documents/1/download?signature=s',
    can_delete: true,
    ...overrides,
  }
}

const envelope = (items) => ({ items, page: 1, per_page: 50, total: items.length })

describe('ProductDocuments', () => {
  beforeEach(() => {
    vi.resetAllMocks()
  })

  it('lists documents with their indexing state and a download link', async () => {
    api.listDocuments.mockResolvedValue(
      envelope([
        doc(),
        doc({ id: 2, filename: 'scan.pdf', text_status: 'no_text' }),
        doc({ id: 3, text_status: 'pending' }),
      ]),
    )
    const wrapper = mount(ProductDocuments, { props: { product: { id: 7 } } })
    await flushPromises()
    expect(api.listDocuments).toHaveBeenCalledWith(7, { page: 1, per_page: 50 })
    const states = wrapper.findAll('[data-testid="document-status"]').map((n) => n.text())
    expect(states).toEqual(['searchable', 'no text layer', 'indexing…'])
    expect(wrapper.find('a').attributes('href')).toBe('/api/documents/1/download?signature=s')
    wrapper.unmount()
  })

  it('uploads every dropped file with its own progress bar, then reloads the list', async () => {
    api.listDocuments.mockResolvedValue(envelope([]))
    const progress = {}
    const finish = {}
    api.uploadDocument.mockImplementation(
      (productId, file, { onProgress }) =>
        new Promise((resolve) => {
          progress[file.name] = onProgress
          finish[file.name] = resolve
        }),
    )
    const wrapper = mount(ProductDocuments, { props: { product: { id: 7 } } })
    await flushPromises()
    expect(wrapper.text()).toContain('No documents yet.')
    const files = [new File(['a'], 'a.pdf'), new File(['bb'], 'b.txt')]
    await wrapper.find('[data-testid="document-drop"]').trigger('drop', { dataTransfer: { files } })
    await flushPromises()
    expect(api.uploadDocument).toHaveBeenCalledTimes(2)
    progress['a.pdf'](0.5)
    await flushPromises()
    const bars = wrapper.findAll('[role="progressbar"]')
    expect(bars.map((b) => b.attributes('aria-valuenow'))).toEqual(['50', '0'])
    api.listDocuments.mockResolvedValue(envelope([doc({ filename: 'a.pdf' }), doc({ id: 2, filename: 'b.txt' })]))
    finish['a.pdf']({})
    finish['b.txt']({})
    await flushPromises()
    expect(api.listDocuments).toHaveBeenCalledTimes(2)
    expect(wrapper.findAll('.product-documents__item')).toHaveLength(2)
    wrapper.unmount()
  })

  it('shows why a file was refused', async () => {
    api.listDocuments.mockResolvedValue(envelope([]))
    api.uploadDocument.mockRejectedValue(new Error('This kind of file is not accepted.'))
    const wrapper = mount(ProductDocuments, { props: { product: { id: 7 } } })
    await flushPromises()
    const input = wrapper.find('input[type="file"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['MZ'], 'tool.pdf')], configurable: true })
    await input.trigger('change')
    await flushPromises()
    expect(wrapper.find('[role="alert"]').text()).toContain('tool.pdf: This kind of file is not accepted.')
    wrapper.unmount()
  })

  it('offers delete only where the member may delete', async () => {
    api.listDocuments.mockResolvedValue(envelope([doc(), doc({ id: 2, filename: 'theirs.pdf', can_delete: false })]))
    const wrapper = mount(ProductDocuments, { props: { product: { id: 7 } } })
    await flushPromises()
    expect(wrapper.findAll('button').filter((b) => b.text() === 'Delete')).toHaveLength(1)
    wrapper.unmount()
  })
})
