import { ref } from 'vue'
import { api } from '../api/client.js'

/**
 * The pages behind emailed links (no sign-in: the signed token is the permission).
 * Opening the page only reads (GET); the change is a POST, never a GET.
 */
export function useTrackerLink(kind) {
  const path = kind === 'quick-log' ? '/trackers/quick-log' : '/tracking/unsubscribe'
  const key = kind === 'quick-log' ? 'quick_log' : 'unsubscribe'
  const info = ref(null)
  const loading = ref(false)
  const error = ref(null)
  const done = ref(false)

  async function preview(token) {
    loading.value = true
    error.value = null
    try {
      info.value = (await api.get(path, { params: { token } }))[key]
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
    return info.value
  }

  async function confirm(token) {
    loading.value = true
    error.value = null
    try {
      info.value = (await api.post(path, { token }))[key]
      done.value = true
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
    return info.value
  }

  return { info, loading, error, done, preview, confirm }
}

/** The signed-in user's tracking email preferences. */
export function useTrackerPreferences() {
  const preferences = ref(null)
  const error = ref(null)

  async function load() {
    try {
      preferences.value = (await api.get('/tracking/preferences')).preferences
    } catch (err) {
      error.value = err
    }
  }

  async function save(changes) {
    preferences.value = (await api.patch('/tracking/preferences', changes)).preferences
    return preferences.value
  }

  return { preferences, error, load, save }
}
