import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { api } from '../api/client.js'
import { jsonResponse, mockFetch } from '../test-utils.js'
import { useAuthStore } from '../stores/auth.js'
import LoginPage from './LoginPage.vue'

const user = { id: 1, email: 'ada@example.com', name: 'Ada', role: 'member', timezone: 'UTC' }

async function mountAt(path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', component: LoginPage },
      { path: '/', component: { template: '<p>home</p>' } },
      { path: '/settings', component: { template: '<p>settings</p>' } },
      { path: '/forgot', component: { template: '<p>forgot</p>' } },
    ],
  })
  router.push(path)
  await router.isReady()
  const wrapper = mount(LoginPage, { global: { plugins: [router] } })
  return { wrapper, router }
}

function configOr(handler) {
  return (url, init) =>
    url === '/api/config' ? jsonResponse(200, { registration: 'invite', version: '0.1.0' }) : handler(url, init)
}

describe('LoginPage', () => {
  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
  })

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('shows the API message in a banner and field errors next to their fields', async () => {
    mockFetch(
      configOr(() =>
        jsonResponse(400, {
          error: {
            code: 'validation_error',
            message: 'Please fix the form.',
            fields: { email: 'Not a valid email address.' },
          },
        }),
      ),
    )
    const { wrapper } = await mountAt('/login')

    await wrapper.get('input[name="email"]').setValue('not-an-email')
    await wrapper.get('input[name="password"]').setValue('x')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(wrapper.get('[role="alert"].app-banner').text()).toContain('Please fix the form.')
    const email = wrapper.get('input[name="email"]')
    expect(email.attributes('aria-invalid')).toBe('true')
    const errorId = email.attributes('aria-describedby')
    expect(wrapper.get(`#${errorId}`).text()).toBe('Enter an email address like name@example.com.')
    expect(wrapper.get('input[name="password"]').attributes('aria-invalid')).toBeUndefined()
  })

  it('shows the busy state while signing in', async () => {
    let answer
    mockFetch(configOr(() => new Promise((resolve) => (answer = resolve))))
    const { wrapper } = await mountAt('/login')

    await wrapper.get('input[name="email"]').setValue('ada@example.com')
    await wrapper.get('input[name="password"]').setValue('pw')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const button = wrapper.get('button[type="submit"]')
    expect(button.attributes('disabled')).toBeDefined()
    expect(button.attributes('aria-busy')).toBe('true')
    expect(button.text()).toContain('Signing in')
    answer(jsonResponse(400, { error: { code: 'invalid_credentials', message: 'Invalid email or password' } }))
    await flushPromises()
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeUndefined()
    expect(wrapper.text()).toContain('Invalid email or password')
  })

  it('signs in and follows a same-site next parameter', async () => {
    mockFetch(configOr(() => jsonResponse(200, { token: 'tok', user })))
    const { wrapper, router } = await mountAt('/login?next=/settings')

    await wrapper.get('input[name="email"]').setValue(' ada@example.com ')
    await wrapper.get('input[name="password"]').setValue('pw')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(useAuthStore().token).toBe('tok')
    expect(router.currentRoute.value.fullPath).toBe('/settings')
  })

  it('ignores a next parameter that points to another site', async () => {
    mockFetch(configOr(() => jsonResponse(200, { token: 'tok', user })))
    const { wrapper, router } = await mountAt('/login?next=//evil.example.com/x')

    await wrapper.get('input[name="email"]').setValue('ada@example.com')
    await wrapper.get('input[name="password"]').setValue('pw')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(router.currentRoute.value.fullPath).toBe('/')
  })

  it('with a token kept through an outage, goes on to the page asked for once the server answers', async () => {
    useAuthStore().setToken('kept')
    let down = false
    mockFetch((url) => {
      if (down) return jsonResponse(503, { error: { code: 'unavailable', message: 'Down.' } })
      if (url === '/api/me') return jsonResponse(200, { user })
      return jsonResponse(200, { registration: 'invite', version: '0.1.0' })
    })
    const { wrapper, router } = await mountAt('/login?next=/settings')
    await flushPromises()

    down = true
    await api.post('/auth/logout', {}).catch(() => {}) // a write is not retried: the trouble stays
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/login')
    expect(wrapper.find('form').exists()).toBe(true)

    down = false
    await api.get('/config', { retry: false })
    await flushPromises()

    expect(router.currentRoute.value.fullPath).toBe('/settings')
    expect(useAuthStore().user).toEqual(user)
    expect(useAuthStore().token).toBe('kept')
  })
})
