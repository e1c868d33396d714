import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, mockFetch } from '../test-utils.js'
import { TOKEN_KEY, useAuthStore } from './auth.js'

const member = { id: 2, email: 'm@example.com', name: 'Mia', role: 'member', timezone: 'UTC' }
const admin = { ...member, id: 1, role: 'admin' }

describe('auth store', () => {
  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
  })

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('reads a persisted token on creation', () => {
    window.localStorage.setItem(TOKEN_KEY, 'saved')
    setActivePinia(createPinia())
    expect(useAuthStore().token).toBe('saved')
    expect(useAuthStore().isAuthenticated).toBe(true)
  })

  it('login stores the token and the user and persists the token', async () => {
    const fetchMock = mockFetch(() => jsonResponse(200, { token: 'tok', user: member }))
    const auth = useAuthStore()

    await auth.login('m@example.com', 'secret')

    expect(fetchMock.mock.calls[0][0]).toBe('/api/auth/login')
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ email: 'm@example.com', password: 'secret' })
    expect(auth.token).toBe('tok')
    expect(auth.user).toEqual(member)
    expect(auth.isAdmin).toBe(false)
    expect(window.localStorage.getItem(TOKEN_KEY)).toBe('tok')
  })

  it('login with bad credentials keeps the session empty and rethrows the message', async () => {
    mockFetch(() => jsonResponse(400, { error: { code: 'invalid_credentials', message: 'Invalid email or password' } }))
    const auth = useAuthStore()
    await expect(auth.login('m@example.com', 'wrong')).rejects.toMatchObject({
      status: 400,
      message: 'Invalid email or password',
    })
    expect(auth.token).toBeNull()
    expect(window.localStorage.getItem(TOKEN_KEY)).toBeNull()
  })

  it('isAdmin follows the user role', async () => {
    mockFetch(() => jsonResponse(200, { user: admin }))
    const auth = useAuthStore()
    auth.setToken('tok')
    await auth.fetchMe()
    expect(auth.isAdmin).toBe(true)
  })

  it('logout calls the API with the token, then forgets the session', async () => {
    const fetchMock = mockFetch(() => jsonResponse(200, {}))
    const auth = useAuthStore()
    auth.setToken('tok')
    auth.setUser(member)

    await auth.logout()

    expect(fetchMock.mock.calls[0][0]).toBe('/api/auth/logout')
    expect(fetchMock.mock.calls[0][1].headers['Authentication-Token']).toBe('tok')
    expect(auth.token).toBeNull()
    expect(auth.user).toBeNull()
    expect(window.localStorage.getItem(TOKEN_KEY)).toBeNull()
  })

  it('logout still ends the local session when the server cannot be reached', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('offline'))),
    )
    const auth = useAuthStore()
    auth.setToken('tok')
    await auth.logout()
    expect(auth.token).toBeNull()
  })
})
