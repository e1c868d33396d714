import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, mockFetch } from '../test-utils.js'
import { useTrackerLink } from './useTrackerLinks.js'

describe('useTrackerLink', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('previews with a GET and acts only with a POST', async () => {
    const info = { kind: 'reminders', email: 'm***@example.com', subscribed: true }
    const fetchMock = mockFetch((url, init) =>
      jsonResponse(200, { unsubscribe: init.method === 'POST' ? { ...info, subscribed: false } : info }),
    )
    const link = useTrackerLink('unsubscribe')
    await link.preview('tok')
    expect(fetchMock.mock.calls[0][0]).toBe('/api/tracking/unsubscribe?token=tok')
    expect(fetchMock.mock.calls[0][1].method).toBe('GET')
    expect(link.done.value).toBe(false)
    await link.confirm('tok')
    expect(fetchMock.mock.calls[1][1].method).toBe('POST')
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ token: 'tok' })
    expect(link.info.value.subscribed).toBe(false)
  })

  it('keeps the API error for the page', async () => {
    mockFetch(() =>
      jsonResponse(410, {
        error: { code: 'link_expired', message: 'This link was for a period that has ended.', fields: {} },
      }),
    )
    const link = useTrackerLink('quick-log')
    await link.confirm('old')
    expect(link.error.value.status).toBe(410)
  })
})
