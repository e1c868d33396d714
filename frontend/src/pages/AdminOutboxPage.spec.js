import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, mockFetch } from '../test-utils.js'
import { useAuthStore } from '../stores/auth.js'
import AdminOutboxPage from './AdminOutboxPage.vue'

const failed = {
  id: 7,
  task_name: 'trackbase.tasks.mail.send_email',
  kind: 'mail',
  to: 'sam@example.com',
  subject: 'Reset your password',
  status: 'failed',
  attempts: 9,
  created_at: '2026-12-01T10:00:00Z',
  next_attempt_at: '2026-12-01T10:00:10Z',
  sent_at: '2026-12-01T10:00:00Z',
  last_error: 'ConnectionRefusedError: [Errno 111] Connection refused',
}

const mountPage = () => mount(AdminOutboxPage, { global: { stubs: { RouterLink: { template: '<a><slot /></a>' } } } })

describe('AdminOutboxPage', () => {
  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
    const auth = useAuthStore()
    auth.setToken('tok')
    auth.setUser({ id: 1, email: 'admin@example.com', role: 'admin', timezone: 'UTC' })
  })

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('lists failed mail with its error and retries it', async () => {
    let retried = false
    const fetchMock = mockFetch((url) => {
      if (url.includes('/retry')) {
        retried = true
        return jsonResponse(202, { message: { ...failed, status: 'sent', attempts: 0 } })
      }
      const items = retried ? [] : [failed]
      return jsonResponse(200, { items, page: 1, per_page: 50, total: items.length })
    })
    const wrapper = mountPage()
    await flushPromises()

    expect(fetchMock.mock.calls[0][0]).toContain('/api/admin/outbox?page=1&status=failed')
    const row = wrapper.get('tr[data-outbox-id="7"]')
    expect(row.text()).toContain('Email to sam@example.com: “Reset your password”')
    expect(row.text()).toContain('Connection refused')
    expect(row.text()).toContain('Failed')

    await row.get('button').trigger('click')
    await flushPromises()
    const [url, init] = fetchMock.mock.calls[1]
    expect(url).toContain('/api/admin/outbox/7/retry')
    expect(init.method).toBe('POST')
    expect(wrapper.find('tr[data-outbox-id="7"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('Nothing failed')
  })

  it('shows the server error when a retry is refused', async () => {
    mockFetch((url) =>
      url.includes('/retry')
        ? jsonResponse(409, { error: { code: 'conflict', message: 'Only a failed message can be retried.' } })
        : jsonResponse(200, { items: [failed], page: 1, per_page: 50, total: 1 }),
    )
    const wrapper = mountPage()
    await flushPromises()
    await wrapper.get('tr[data-outbox-id="7"] button').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('Only a failed message can be retried.')
  })
})
