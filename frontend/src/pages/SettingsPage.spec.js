import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, mockFetch } from '../test-utils.js'
import { useAuthStore } from '../stores/auth.js'
import SettingsPage from './SettingsPage.vue'

const user = {
  id: 3,
  email: 'sam@example.com',
  name: 'Sam',
  role: 'member',
  active: true,
  timezone: 'Europe/Berlin',
  reminder_hour: 8,
  quiet_hours_start: null,
  quiet_hours_end: null,
  created_at: '2026-11-01T10:00:00Z',
  last_login_at: null,
}

describe('SettingsPage', () => {
  beforeEach(() => {
    window.localStorage.clear()
    setActivePinia(createPinia())
    const auth = useAuthStore()
    auth.setToken('tok')
    auth.setUser(user)
  })

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('fills the form from the user and saves the changes', async () => {
    const fetchMock = mockFetch((url, init) => jsonResponse(200, { user: { ...user, ...JSON.parse(init.body) } }))
    const wrapper = mount(SettingsPage)

    expect(wrapper.get('input[name="name"]').element.value).toBe('Sam')
    expect(wrapper.get('input[name="timezone"]').element.value).toBe('Europe/Berlin')
    expect(wrapper.get('select[name="reminder_hour"]').element.value).toBe('8')

    await wrapper.get('input[name="name"]').setValue('Samira')
    await wrapper.get('input[name="timezone"]').setValue('Asia/Tokyo')
    await wrapper.get('select[name="quiet_hours_start"]').setValue('22')
    await wrapper.get('select[name="quiet_hours_end"]').setValue('7')
    await wrapper.findAll('form')[0].trigger('submit')
    await flushPromises()

    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/me')
    expect(init.method).toBe('PATCH')
    expect(JSON.parse(init.body)).toEqual({
      name: 'Samira',
      timezone: 'Asia/Tokyo',
      reminder_hour: 8,
      quiet_hours_start: 22,
      quiet_hours_end: 7,
    })
    expect(useAuthStore().user.timezone).toBe('Asia/Tokyo')
    expect(wrapper.text()).toContain('Your settings have been saved.')
  })

  it('shows the API field error next to the time zone', async () => {
    mockFetch(() =>
      jsonResponse(400, {
        error: { code: 'validation_error', message: 'Invalid input.', fields: { timezone: 'Unknown time zone.' } },
      }),
    )
    const wrapper = mount(SettingsPage)
    await wrapper.findAll('form')[0].trigger('submit')
    await flushPromises()

    const select = wrapper.get('input[name="timezone"]')
    expect(select.attributes('aria-invalid')).toBe('true')
    expect(wrapper.get(`#${select.attributes('aria-describedby')}`).text()).toBe('Unknown time zone.')
    expect(wrapper.text()).toContain('Invalid input.')
  })

  it('refuses a time zone that is not in the list, without sending it', async () => {
    const calls = []
    mockFetch((url) => {
      calls.push(url)
      return jsonResponse(200, {})
    })
    const wrapper = mount(SettingsPage)
    await wrapper.get('input[name="timezone"]').setValue('Atlantis/Lost')
    await wrapper.findAll('form')[0].trigger('submit')
    await flushPromises()
    expect(calls).toEqual([])
    expect(wrapper.text()).toContain('Choose a time zone from the list')
    expect(wrapper.find('datalist option[value="Asia/Tokyo"]').exists()).toBe(true)
  })

  it('keeps the new token after a password change', async () => {
    mockFetch(() => jsonResponse(200, { token: 'fresh-token' }))
    const wrapper = mount(SettingsPage)
    const form = wrapper.findAll('form')[1]
    await form.get('input[name="password"]').setValue('old-pass')
    await form.get('input[name="new_password"]').setValue('new-pass-123')
    await form.get('input[name="new_password_confirm"]').setValue('new-pass-123')
    await form.trigger('submit')
    await flushPromises()

    expect(useAuthStore().token).toBe('fresh-token')
    expect(window.localStorage.getItem('trackbase.token')).toBe('fresh-token')
    expect(wrapper.text()).toContain('Your password has been changed.')
    expect(form.get('input[name="password"]').element.value).toBe('')
  })
})
