import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { jsonResponse, mockFetch } from '../test-utils.js'
import { useAuthStore } from '../stores/auth.js'
import { createAppRouter } from './index.js'

const member = { id: 2, email: 'm@example.com', role: 'member', timezone: 'UTC' }
const admin = { ...member, id: 1, role: 'admin' }

async function go(path) {
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  return router.currentRoute.value
}

describe('router guards', () => {
  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
  })

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('sends a signed-out visitor to login with the page to come back to', async () => {
    const route = await go('/settings')
    expect(route.name).toBe('login')
    expect(route.query.next).toBe('/settings')
  })

  it('lets a signed-out visitor open the public pages', async () => {
    expect((await go('/forgot')).name).toBe('forgot')
    expect((await go('/register?code=abc')).name).toBe('register')
    expect((await go('/reset?token=t')).name).toBe('reset')
  })

  it('loads the user for a stored token before entering a private page', async () => {
    mockFetch(() => jsonResponse(200, { user: member }))
    useAuthStore().setToken('tok')
    const route = await go('/settings')
    expect(route.name).toBe('settings')
    expect(useAuthStore().user).toEqual(member)
  })

  it('sends a stored but expired token to login', async () => {
    mockFetch(() => jsonResponse(401, { error: { code: 'unauthorized', message: 'Sign in' } }))
    useAuthStore().setToken('old')
    const route = await go('/jobs')
    expect(route.name).toBe('login')
    expect(route.query.next).toBe('/jobs')
    expect(useAuthStore().token).toBeNull()
  })

  it('keeps a stored token through an outage: /me answers 503, then the retry opens the page', async () => {
    vi.useFakeTimers()
    const answers = [
      jsonResponse(503, { error: { code: 'unavailable', message: 'Down.' } }, { 'Retry-After': '2' }),
      jsonResponse(200, { user: member }),
    ]
    mockFetch(() => answers.shift())
    useAuthStore().setToken('tok')
    const navigation = go('/settings')
    await vi.advanceTimersByTimeAsync(2000)
    const route = await navigation
    vi.useRealTimers()
    expect(route.name).toBe('settings')
    expect(useAuthStore().token).toBe('tok')
  })

  it('keeps members out of admin pages', async () => {
    mockFetch(() => jsonResponse(200, { user: member }))
    useAuthStore().setToken('tok')
    const landed = await go('/admin/users')
    expect(landed.name).toBe('forbidden')
    expect(landed.query).toEqual({ page: 'Users', from: '/admin/users' })
  })

  it('lets admins into admin pages', async () => {
    mockFetch(() => jsonResponse(200, { user: admin }))
    useAuthStore().setToken('tok')
    expect((await go('/admin/invitations')).name).toBe('admin-invitations')
  })

  it('sends a signed-in user away from the login page', async () => {
    mockFetch(() => jsonResponse(200, { user: member }))
    useAuthStore().setToken('tok')
    expect((await go('/login')).path).toBe('/trackers')
  })
})
