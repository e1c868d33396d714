import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, mockFetch } from '../test-utils.js'
import { useAuthStore } from '../stores/auth.js'
import { connectApiSession } from '../plugins/apiSession.js'
import { ApiError, RETRY_POLICY, api, isServerTroubled, onServerTroubleChange, retryDelayMs } from './client.js'

describe('api client', () => {
  let onUnauthorized

  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
    onUnauthorized = vi.fn()
    connectApiSession({ onSignedOut: onUnauthorized })
  })

  afterEach(() => {
    connectApiSession()
    vi.unstubAllGlobals()
  })

  it('sends the token header and JSON body to /api paths', async () => {
    useAuthStore().setToken('tok-123')
    const fetchMock = mockFetch(() => jsonResponse(200, { ok: true }))

    const data = await api.post('/things', { name: 'x' })

    expect(data).toEqual({ ok: true })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/things')
    expect(init.method).toBe('POST')
    expect(init.headers['Authentication-Token']).toBe('tok-123')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body)).toEqual({ name: 'x' })
  })

  it('sends no token header when signed out', async () => {
    const fetchMock = mockFetch(() => jsonResponse(200, {}))
    await api.get('/config')
    expect(fetchMock.mock.calls[0][1].headers).not.toHaveProperty('Authentication-Token')
  })

  it('encodes query parameters and leaves out empty ones', async () => {
    const fetchMock = mockFetch(() => jsonResponse(200, { items: [] }))
    await api.get('/users', { params: { page: 2, q: 'a b', empty: '', missing: undefined } })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/users?page=2&q=a+b')
  })

  it('returns null for 204 No Content', async () => {
    mockFetch(() => new Response(null, { status: 204 }))
    await expect(api.del('/invitations/3')).resolves.toBeNull()
  })

  it('maps the error envelope to an ApiError with status, code, message and fields', async () => {
    mockFetch(() =>
      jsonResponse(400, {
        error: { code: 'validation_error', message: 'Check the form.', fields: { email: 'Not a valid email.' } },
      }),
    )

    const error = await api.post('/invitations', { email: 'nope' }).catch((err) => err)

    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(400)
    expect(error.code).toBe('validation_error')
    expect(error.message).toBe('Check the form.')
    expect(error.fields).toEqual({ email: 'Not a valid email.' })
  })

  it('gives a friendly message when the body is not the envelope', async () => {
    mockFetch(() => new Response('<html>Bad gateway</html>', { status: 502 }))
    const error = await api.get('/me').catch((err) => err)
    expect(error.status).toBe(502)
    expect(error.code).toBe('server_error')
    expect(error.message).toMatch(/server had a problem/)
    expect(error.fields).toEqual({})
  })

  it('turns a network failure into an ApiError with status 0', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    )
    // retry: false, to see the error of one attempt (GETs are retried during trouble, tested below).
    const error = await api.get('/me', { retry: false }).catch((err) => err)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(0)
    expect(error.code).toBe('network_error')
    expect(error.message).toMatch(/Could not reach the server/)
  })

  it('mentions the Retry-After seconds on 429', async () => {
    mockFetch(() =>
      jsonResponse(429, { error: { code: 'rate_limited', message: 'Too many requests' } }, { 'Retry-After': '42' }),
    )
    const error = await api.post('/auth/login', {}).catch((err) => err)
    expect(error.status).toBe(429)
    expect(error.code).toBe('rate_limited')
    expect(error.retryAfter).toBe(42)
    expect(error.message).toBe('Too many requests. Please try again in 42 seconds.')
  })

  it('on 401 with a token clears the session and calls the unauthorized handler', async () => {
    const auth = useAuthStore()
    auth.setToken('expired')
    auth.setUser({ id: 1, email: 'a@example.com', role: 'member' })
    mockFetch(() => jsonResponse(401, { error: { code: 'unauthorized', message: 'Sign in first.' } }))

    const error = await api.get('/me').catch((err) => err)

    expect(error.status).toBe(401)
    expect(auth.token).toBeNull()
    expect(auth.user).toBeNull()
    expect(window.localStorage.getItem('trackbase.token')).toBeNull()
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('on 401 without a token only throws', async () => {
    mockFetch(() => jsonResponse(401, { error: { code: 'unauthorized', message: 'Sign in first.' } }))
    await expect(api.get('/me')).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).not.toHaveBeenCalled()
  })
})

describe('api client during server trouble (503 or no answer)', () => {
  const unavailable = () =>
    jsonResponse(
      503,
      { error: { code: 'unavailable', message: 'A service the server needs is unavailable.' } },
      { 'Retry-After': '3' },
    )
  let onUnauthorized
  let changes

  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
    onUnauthorized = vi.fn()
    connectApiSession({ onSignedOut: onUnauthorized })
    changes = []
    vi.useFakeTimers()
  })

  afterEach(async () => {
    // End any trouble left by a test so the next one starts clean.
    mockFetch(() => jsonResponse(200, {}))
    await api.get('/config', { retry: false })
    vi.useRealTimers()
    connectApiSession()
    vi.unstubAllGlobals()
  })

  function signIn() {
    const auth = useAuthStore()
    auth.setToken('tok-503')
    auth.setUser({ id: 1, email: 'a@example.com', role: 'member' })
    return auth
  }

  it('keeps the token on a 503 and retries the GET after Retry-After', async () => {
    const auth = signIn()
    const stop = onServerTroubleChange((value) => changes.push(value))
    const answers = [unavailable(), jsonResponse(200, { user: { id: 1 } })]
    const fetchMock = mockFetch(() => answers.shift())

    const pending = api.get('/me')
    await vi.advanceTimersByTimeAsync(0)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(isServerTroubled()).toBe(true)
    expect(auth.token).toBe('tok-503')

    await vi.advanceTimersByTimeAsync(2999)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    await expect(pending).resolves.toEqual({ user: { id: 1 } })

    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(fetchMock.mock.calls[1][1].headers['Authentication-Token']).toBe('tok-503')
    expect(auth.token).toBe('tok-503')
    expect(window.localStorage.getItem('trackbase.token')).toBe('tok-503')
    expect(onUnauthorized).not.toHaveBeenCalled()
    expect(changes).toEqual([true, false])
    expect(isServerTroubled()).toBe(false)
    stop()
  })

  it('gives up after the bounded retries with a 503 ApiError, still signed in', async () => {
    const auth = signIn()
    const fetchMock = mockFetch(() => unavailable())

    const pending = api.get('/trackers').catch((err) => err)
    await vi.runAllTimersAsync()
    const error = await pending

    expect(fetchMock).toHaveBeenCalledTimes(RETRY_POLICY.retries + 1)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(503)
    expect(error.code).toBe('unavailable')
    expect(error.retryAfter).toBe(3)
    expect(auth.token).toBe('tok-503')
    expect(auth.user).not.toBeNull()
    expect(onUnauthorized).not.toHaveBeenCalled()
    expect(isServerTroubled()).toBe(true)
  })

  it('never re-sends a write', async () => {
    const auth = signIn()
    const fetchMock = mockFetch(() => unavailable())
    const error = await api.post('/trackers/1/logs', { value: 1 }).catch((err) => err)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(error.status).toBe(503)
    expect(auth.token).toBe('tok-503')
    expect(isServerTroubled()).toBe(true)
  })

  it('retries a GET when the network fails, backing off, and recovers', async () => {
    signIn()
    let calls = 0
    const fetchMock = vi.fn(async () => {
      calls += 1
      if (calls <= 2) throw new TypeError('Failed to fetch')
      return jsonResponse(200, { items: [] })
    })
    vi.stubGlobal('fetch', fetchMock)

    const pending = api.get('/jobs')
    await vi.advanceTimersByTimeAsync(0)
    expect(isServerTroubled()).toBe(true)
    await vi.advanceTimersByTimeAsync(retryDelayMs(0))
    expect(fetchMock).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(retryDelayMs(1))
    await expect(pending).resolves.toEqual({ items: [] })
    expect(fetchMock).toHaveBeenCalledTimes(3)
    expect(isServerTroubled()).toBe(false)
  })

  it('backs off and caps the delay', () => {
    expect(retryDelayMs(0)).toBe(RETRY_POLICY.baseMs)
    expect(retryDelayMs(1)).toBe(RETRY_POLICY.baseMs * 2)
    expect(retryDelayMs(1, 5)).toBe(5000)
    expect(retryDelayMs(10)).toBe(RETRY_POLICY.maxMs)
    expect(retryDelayMs(0, 3600)).toBe(RETRY_POLICY.maxMs)
  })

  it('still signs out on a 401 after trouble', async () => {
    const auth = signIn()
    const answers = [unavailable(), jsonResponse(401, { error: { code: 'unauthorized', message: 'Sign in first.' } })]
    mockFetch(() => answers.shift())

    const pending = api.get('/me').catch((err) => err)
    await vi.runAllTimersAsync()
    const error = await pending

    expect(error.status).toBe(401)
    expect(auth.token).toBeNull()
    expect(window.localStorage.getItem('trackbase.token')).toBeNull()
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    expect(isServerTroubled()).toBe(false)
  })
})
