import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as accounts from '../api/accounts.js'

export const TOKEN_KEY = 'trackbase.token'

function readStoredToken() {
  try {
    return window.localStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

function writeStoredToken(token) {
  try {
    if (token) window.localStorage.setItem(TOKEN_KEY, token)
    else window.localStorage.removeItem(TOKEN_KEY)
  } catch {
    // Storage can be unavailable (private mode); the session then lasts for this tab only.
  }
}

/** The browser's language tag (what Intl formats with), or null. */
export function browserLocale() {
  try {
    return new Intl.DateTimeFormat().resolvedOptions().locale || null
  } catch {
    return null
  }
}

/** The signed-in user and their API token, shared by every page. */
export const useAuthStore = defineStore('auth', () => {
  const token = ref(readStoredToken())
  const user = ref(null)

  const isAuthenticated = computed(() => Boolean(token.value))
  const isAdmin = computed(() => user.value?.role === 'admin')

  function setToken(value) {
    token.value = value || null
    writeStoredToken(token.value)
  }

  function setUser(value) {
    user.value = value || null
  }

  /** Forget the session locally (no request). */
  function clear() {
    setToken(null)
    user.value = null
  }

  /** Sign in; stores the token and the user. Throws ApiError on bad credentials. */
  async function login(email, password) {
    const data = await accounts.login({ email, password })
    setToken(data.token)
    user.value = data.user || null
    if (!user.value) await fetchMe()
    else syncLocale()
    return user.value
  }

  /** Sign out on the server (best effort) and locally. */
  async function logout() {
    try {
      if (token.value) await accounts.logout()
    } catch {
      // The local session ends regardless: a dead token or an offline server changes nothing here.
    } finally {
      clear()
    }
  }

  /** Load the current user from the API. */
  async function fetchMe() {
    const data = await accounts.getMe()
    user.value = data.user
    syncLocale()
    return user.value
  }

  /**
   * Emails format dates and numbers as this app does, with the browser's locale: tell the API when
   * it differs from the stored one. Best effort, in the background; a failure changes nothing here.
   */
  async function syncLocale() {
    const locale = browserLocale()
    if (!locale || !user.value || user.value.locale === locale) return
    try {
      const data = await accounts.updateMe({ locale })
      if (data?.user) user.value = data.user
    } catch {
      // The emails stay in the stored (or default) locale.
    }
  }

  return { token, user, isAuthenticated, isAdmin, setToken, setUser, clear, login, logout, fetchMe }
})
