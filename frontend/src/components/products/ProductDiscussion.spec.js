import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

vi.mock('../../api/comments.js', () => ({
  listComments: vi.fn(),
  createComment: vi.fn(),
  updateComment: vi.fn(),
  deleteComment: vi.fn(),
  previewComment: vi.fn(),
  searchMembers: vi.fn(),
}))

const api = await import('../../api/comments.js')
const { default: ProductDiscussion } = await import('./ProductDiscussion.vue')

function comment(overrides = {}) {
  return {
    id: 1,
    product_id: 7,
    author: { id: 3, name: 'Ann', handle: 'ann' },
    body: 'Hello **all**',
    body_html: '<p>Hello <strong>all</strong></p>',
    created_at: '2026-12-01T10:00:00Z',
    edited_at: null,
    can_edit: true,
    ...overrides,
  }
}

const page = (items, total = items.length, n = 1) => ({ items, page: n, per_page: 20, total })

function mountDiscussion() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }],
  })
  const wrapper = mount(ProductDiscussion, {
    props: { product: { id: 7 } },
    global: { plugins: [router] },
    attachTo: document.body,
  })
  return { wrapper, router }
}

describe('ProductDiscussion', () => {
  beforeEach(() => {
    vi.resetAllMocks()
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  it('shows the empty state when nobody has commented', async () => {
    api.listComments.mockResolvedValue(page([]))
    const { wrapper } = mountDiscussion()
    await wrapper.vm.$nextTick()
    expect(wrapper.text()).toContain('Loading the discussion…')
    await flushPromises()
    expect(api.listComments).toHaveBeenCalledWith(7, { page: 1, per_page: 20 })
    expect(wrapper.text()).toContain('No comments yet — start the discussion')
    wrapper.unmount()
  })

  it('shows an error with a retry when the list does not load', async () => {
    api.listComments.mockRejectedValueOnce(new Error('Server trouble')).mockResolvedValueOnce(page([comment()]))
    const { wrapper } = mountDiscussion()
    await flushPromises()
    expect(wrapper.find('[role="alert"]').text()).toContain('Server trouble')
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Retry')
      .trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="comment"]')).toHaveLength(1)
    wrapper.unmount()
  })

  it('renders the sanitized HTML from the API and marks edited comments', async () => {
    api.listComments.mockResolvedValue(
      page([comment(), comment({ id: 2, edited_at: '2026-12-01T11:00:00Z', can_edit: false })]),
    )
    const { wrapper } = mountDiscussion()
    await flushPromises()
    const bodies = wrapper.findAll('[data-testid="comment-body"]')
    expect(bodies[0].html()).toContain('<strong>all</strong>')
    expect(wrapper.findAll('[data-testid="comment-edited"]')).toHaveLength(1)
    expect(wrapper.findAll('button').filter((b) => b.text() === 'Edit')).toHaveLength(1)
    wrapper.unmount()
  })

  it('loads more comments and keeps them in order without duplicates', async () => {
    api.listComments
      .mockResolvedValueOnce(page([comment({ id: 1 }), comment({ id: 2 })], 3))
      .mockResolvedValueOnce(page([comment({ id: 2 }), comment({ id: 3 })], 3, 2))
    const { wrapper } = mountDiscussion()
    await flushPromises()
    const more = wrapper.findAll('button').find((b) => b.text().startsWith('Load more'))
    expect(more.text()).toContain('1 left')
    await more.trigger('click')
    await flushPromises()
    expect(api.listComments).toHaveBeenLastCalledWith(7, { page: 2, per_page: 20 })
    expect(wrapper.findAll('[data-testid="comment"]').map((n) => n.attributes('id'))).toEqual([
      'comment-1',
      'comment-2',
      'comment-3',
    ])
    expect(wrapper.findAll('button').some((b) => b.text().startsWith('Load more'))).toBe(false)
    wrapper.unmount()
  })

  it('posts a comment, appends it and clears the composer', async () => {
    api.listComments.mockResolvedValue(page([]))
    api.createComment.mockResolvedValue({ comment: comment({ id: 9, body: 'New', body_html: '<p>New</p>' }) })
    const { wrapper } = mountDiscussion()
    await flushPromises()
    const textarea = wrapper.find('#new-comment-body')
    await textarea.setValue('New')
    await wrapper.find('form[aria-label="New comment"]').trigger('submit')
    await flushPromises()
    expect(api.createComment).toHaveBeenCalledWith(7, 'New')
    expect(wrapper.findAll('[data-testid="comment"]')).toHaveLength(1)
    expect(textarea.element.value).toBe('')
    wrapper.unmount()
  })

  it('keeps the draft and shows the field error when the API refuses it', async () => {
    api.listComments.mockResolvedValue(page([]))
    const err = Object.assign(new Error('Some fields are invalid.'), { fields: { body: 'Write something first.' } })
    api.createComment.mockRejectedValue(err)
    const { wrapper } = mountDiscussion()
    await flushPromises()
    await wrapper.find('#new-comment-body').setValue('x')
    await wrapper.find('form[aria-label="New comment"]').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[role="alert"]').text()).toBe('Write something first.')
    expect(wrapper.find('#new-comment-body').element.value).toBe('x')
    wrapper.unmount()
  })

  it('refuses to send an empty or too long comment', async () => {
    api.listComments.mockResolvedValue(page([]))
    const { wrapper } = mountDiscussion()
    await flushPromises()
    const submit = () => wrapper.find('form[aria-label="New comment"] button[type="submit"]')
    expect(submit().attributes('disabled')).toBeDefined()
    await wrapper.find('#new-comment-body').setValue('a'.repeat(10001))
    expect(submit().attributes('disabled')).toBeDefined()
    await wrapper.find('#new-comment-body').setValue('ok')
    expect(submit().attributes('disabled')).toBeUndefined()
    wrapper.unmount()
  })

  it('edits in place and shows the saved version', async () => {
    api.listComments.mockResolvedValue(page([comment()]))
    api.updateComment.mockResolvedValue({
      comment: comment({ body: 'Fixed', body_html: '<p>Fixed</p>', edited_at: '2026-12-01T12:00:00Z' }),
    })
    const { wrapper } = mountDiscussion()
    await flushPromises()
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Edit')
      .trigger('click')
    const editor = wrapper.find('#edit-1-body')
    expect(editor.element.value).toBe('Hello **all**')
    await editor.setValue('Fixed')
    await wrapper.find('form[aria-label="Edit comment"]').trigger('submit')
    await flushPromises()
    expect(api.updateComment).toHaveBeenCalledWith(1, 'Fixed')
    expect(wrapper.find('[data-testid="comment-body"]').text()).toBe('Fixed')
    expect(wrapper.find('[data-testid="comment-edited"]').exists()).toBe(true)
    wrapper.unmount()
  })

  it('deletes only after confirmation', async () => {
    api.listComments.mockResolvedValue(page([comment()]))
    api.deleteComment.mockResolvedValue(null)
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true)
    const { wrapper } = mountDiscussion()
    await flushPromises()
    const del = () => wrapper.find('button[aria-label="Delete comment"]')
    await del().trigger('click')
    expect(api.deleteComment).not.toHaveBeenCalled()
    await del().trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenCalledTimes(2)
    expect(api.deleteComment).toHaveBeenCalledWith(1)
    expect(wrapper.text()).toContain('No comments yet — start the discussion')
    wrapper.unmount()
  })

  it('previews through the API, never rendering Markdown itself', async () => {
    api.listComments.mockResolvedValue(page([]))
    api.previewComment.mockResolvedValue({ body_html: '<p><em>hi</em></p>' })
    const { wrapper } = mountDiscussion()
    await flushPromises()
    await wrapper.find('#new-comment-body').setValue('*hi* <img src=x onerror=alert(1)>')
    await wrapper
      .findAll('[role="tab"]')
      .find((b) => b.text() === 'Preview')
      .trigger('click')
    await flushPromises()
    expect(api.previewComment).toHaveBeenCalledWith('*hi* <img src=x onerror=alert(1)>')
    expect(wrapper.find('[data-testid="comment-preview"]').html()).toContain('<em>hi</em>')
    expect(wrapper.find('[data-testid="comment-preview"] img').exists()).toBe(false)
    wrapper.unmount()
  })

  it('suggests members after @ and inserts the chosen handle', async () => {
    vi.useFakeTimers()
    api.listComments.mockResolvedValue(page([]))
    api.searchMembers.mockResolvedValue({ items: [{ id: 4, name: 'Ada Lovelace', handle: 'adalovelace' }] })
    const { wrapper } = mountDiscussion()
    await flushPromises()
    const textarea = wrapper.find('#new-comment-body')
    textarea.element.value = 'thanks @ad'
    textarea.element.setSelectionRange(10, 10)
    await textarea.trigger('input')
    await vi.advanceTimersByTimeAsync(200)
    await flushPromises()
    expect(api.searchMembers).toHaveBeenCalledWith('ad')
    expect(wrapper.findAll('[role="option"]').map((o) => o.text())).toEqual(['@adalovelace Ada Lovelace'])
    await textarea.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(textarea.element.value).toBe('thanks @adalovelace ')
    expect(wrapper.find('[role="listbox"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('opens a mention inside the app', async () => {
    api.listComments.mockResolvedValue(
      page([comment({ body_html: '<p><a class="mention" href="/members/4">@ada</a></p>' })]),
    )
    const { wrapper, router } = mountDiscussion()
    await flushPromises()
    const push = vi.spyOn(router, 'push')
    await wrapper.find('a.mention').trigger('click')
    expect(push).toHaveBeenCalledWith('/members/4')
    wrapper.unmount()
  })
})
