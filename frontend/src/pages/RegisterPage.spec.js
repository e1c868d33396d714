import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { jsonResponse, mockFetch } from '../test-utils.js'

const VALID = {
  email: 'new@example.com',
  role: 'member',
  status: 'valid',
  expires_at: '2030-01-01T00:00:00Z',
  message: null,
}

async function mountWith(registration, path = '/register?code=INV123', invitation = VALID) {
  // useConfig caches per page load; a fresh module graph gives each test its own mode.
  vi.resetModules()
  const { default: RegisterPage } = await import('./RegisterPage.vue')
  const calls = []
  mockFetch((url, init) => {
    calls.push([url, init])
    if (url === '/api/config') return jsonResponse(200, { registration, version: '0.1.0' })
    if (url.startsWith('/api/auth/invitations/')) return jsonResponse(200, { invitation })
    if (url === '/api/auth/password-strength') {
      return jsonResponse(200, { strength: { score: 4, ok: true, message: null, suggestions: [], min_length: 10 } })
    }
    if (url === '/api/auth/register') {
      return jsonResponse(400, {
        error: {
          code: 'validation_error',
          message: 'Invalid invitation.',
          fields: { invitation: 'This invitation was revoked.' },
        },
      })
    }
    return jsonResponse(404, { error: { code: 'not_found', message: 'Not found' } })
  })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/register', component: RegisterPage },
      { path: '/login', component: { template: '<p>login</p>' } },
      { path: '/', component: { template: '<p>home</p>' } },
    ],
  })
  router.push(path)
  await router.isReady()
  const { createPinia, setActivePinia } = await import('pinia')
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(RegisterPage, { global: { plugins: [router, pinia] } })
  await flushPromises()
  return { wrapper, calls }
}

describe('RegisterPage', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('says clearly that registration is closed and offers no form', async () => {
    const { wrapper } = await mountWith('closed')
    expect(wrapper.text()).toContain('Registration is closed')
    expect(wrapper.find('form').exists()).toBe(false)
  })

  it('prefills the invitation code from the link and shows its field error', async () => {
    const { wrapper, calls } = await mountWith('invite')
    const code = wrapper.get('input[name="invitation"]')
    expect(code.element.value).toBe('INV123')
    expect(code.attributes('readonly')).toBeDefined()

    await wrapper.get('input[name="email"]').setValue('new@example.com')
    await wrapper.get('input[name="password"]').setValue('long-password-1')
    await wrapper.get('input[name="password_confirm"]').setValue('long-password-1')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const [, init] = calls.find(([url]) => url === '/api/auth/register')
    expect(JSON.parse(init.body)).toEqual({
      email: 'new@example.com',
      password: 'long-password-1',
      invitation: 'INV123',
    })
    expect(wrapper.text()).toContain('Invalid invitation.')
    expect(wrapper.text()).toContain('This invitation was revoked.')
  })

  it('checks that both passwords match before sending anything', async () => {
    const { wrapper, calls } = await mountWith('invite')
    await wrapper.get('input[name="email"]').setValue('new@example.com')
    await wrapper.get('input[name="password"]').setValue('long-password-1')
    await wrapper.get('input[name="password_confirm"]').setValue('long-password-2')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(calls.some(([url]) => url === '/api/auth/register')).toBe(false)
    expect(wrapper.text()).toContain('The passwords do not match.')
  })

  it('shows every field problem at once, in words, before sending anything', async () => {
    const { wrapper, calls } = await mountWith('invite', '/register')
    await wrapper.get('input[name="password"]').setValue('short')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(calls.some(([url]) => url === '/api/auth/register')).toBe(false)
    const text = wrapper.text()
    expect(text).toContain('Enter the invitation code from your email.')
    expect(text).toContain('Enter your email.')
    expect(text).toContain('Use at least 10 characters.')
    expect(text).toContain('Type the password again.')
    expect(wrapper.findAll('[aria-invalid="true"]')).toHaveLength(4)
  })

  it('fills in and locks the invited address on arrival', async () => {
    const { wrapper, calls } = await mountWith('invite')
    expect(calls.some(([url]) => url === '/api/auth/invitations/INV123')).toBe(true)
    const email = wrapper.get('input[name="email"]')
    expect(email.element.value).toBe('new@example.com')
    expect(email.attributes('readonly')).toBeDefined()
    expect(wrapper.text()).toContain('as new@example.com')
  })

  it('says on arrival that a used invitation cannot be used, with no form', async () => {
    const used = {
      email: null,
      role: 'member',
      status: 'used',
      expires_at: '2030-01-01T00:00:00Z',
      message: 'This invitation was already used. Sign in instead, or ask for a new invitation.',
    }
    const { wrapper } = await mountWith('invite', '/register?code=OLD', used)
    expect(wrapper.text()).toContain('This invitation was already used.')
    expect(wrapper.find('form').exists()).toBe(false)
  })
})
