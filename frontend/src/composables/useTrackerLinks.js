import { ref } from 'vue'
import {
  confirmTrackerLink,
  getTrackingPreferences,
  previewTrackerLink,
  updateTrackingPreferences,
} from '../api/trackers.js'

/**
 * The pages behind emailed links (no sign-in: the signed token is the permission).
 * Opening the page only reads (GET); the change is a POST, never a GET.
 */
export function useTrackerLink(kind) {
  const key = kind === 'quick-log' ? 'quick_log' : 'unsubscribe'
  const info = ref(null)
  const loading = ref(false)
  const error = ref(null)
  const done = ref(false)

  async function preview(token) {
    loading.value = true
    error.value = null
    try {
      info.value = (await previewTrackerLink(kind, token))[key]
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
    return info.value
  }

  async function confirm(token, extra = {}) {
    loading.value = true
    error.value = null
    try {
      info.value = (await confirmTrackerLink(kind, token, extra))[key]
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
      preferences.value = (await getTrackingPreferences()).preferences
    } catch (err) {
      error.value = err
    }
  }

  async function save(changes) {
    preferences.value = (await updateTrackingPreferences(changes)).preferences
    return preferences.value
  }

  return { preferences, error, load, save }
}
