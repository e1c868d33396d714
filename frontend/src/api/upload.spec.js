import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useAuthStore } from '../stores/auth.js'
import { connectApiSession } from '../plugins/apiSession.js'
import { ApiError, upload } from './client.js'

// The browser's XMLHttpRequest, reduced to what upload() uses, driven by the test.
class FakeXhr {
  static last = null

  constructor() {
    this.headers = {}
    this.listeners = {}
    this.upload = { listeners: {}, addEventListener: (name, fn) => (this.upload.listeners[name] = fn) }
    FakeXhr.last = this
  }

  open(method, url) {
    this.method = method
    this.url = url
  }

  setRequestHeader(name, value) {
    this.headers[name] = value
  }

  addEventListener(name, fn) {
    this.listeners[name] = fn
  }

  getResponseHeader(name) {
    return (this.responseHeaders || {})[name] ?? null
  }

  send(body) {
    this.body = body
  }

  abort() {
    this.listeners.abort?.()
  }

  progress(loaded, total) {
    this.upload.listeners.progress?.({ lengthComputable: true, loaded, total })
  }

  respond(status, body, headers = {}) {
    this.status = status
    this.responseText = body === undefined ? '' : JSON.stringify(body)
    this.responseHeaders = headers
    this.listeners.load?.()
  }
}

describe('upload', () => {
  let onUnauthorized

  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
    onUnauthorized = vi.fn()
    connectApiSession({ onSignedOut: onUnauthorized })
    vi.stubGlobal('XMLHttpRequest', FakeXhr)
  })

  afterEach(() => {
    connectApiSession()
    vi.unstubAllGlobals()
  })

  it('posts the form with the token and reports progress until the answer', async () => {
    useAuthStore().setToken('tok-1')
    const seen = []
    const form = new FormData()
    const pending = upload('/products/3/documents', form, { onProgress: (f) => seen.push(f) })
    const xhr = FakeXhr.last
    expect([xhr.method, xhr.url, xhr.body]).toEqual(['POST', '/api/products/3/documents', form])
    expect(xhr.headers['Authentication-Token']).toBe('tok-1')
    xhr.progress(25, 100)
    xhr.progress(100, 100)
    xhr.respond(201, { document: { id: 9 } })
    await expect(pending).resolves.toEqual({ document: { id: 9 } })
    expect(seen).toEqual([0.25, 1, 1])
  })

  it('rejects with the envelope message of a 413 or 415', async () => {
    const pending = upload('/products/3/documents', new FormData())
    FakeXhr.last.respond(415, { error: { code: 'unsupported_media_type', message: 'Not accepted.', fields: {} } })
    const error = await pending.catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect([error.status, error.code, error.message]).toEqual([415, 'unsupported_media_type', 'Not accepted.'])
  })

  it('signs out on a 401 of a request that carried a token', async () => {
    useAuthStore().setToken('tok-1')
    const pending = upload('/products/3/documents', new FormData())
    FakeXhr.last.respond(401, { error: { code: 'unauthorized', message: 'Sign in.', fields: {} } })
    await expect(pending).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalled()
  })

  it('is a network error (status 0) when the server cannot be reached, and aborts on the signal', async () => {
    const failed = upload('/x', new FormData())
    FakeXhr.last.listeners.error()
    await expect(failed).rejects.toMatchObject({ status: 0, code: 'network_error' })
    const controller = new AbortController()
    const aborted = upload('/x', new FormData(), { signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
  })
})
