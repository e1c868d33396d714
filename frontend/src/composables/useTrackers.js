import { ref } from 'vue'
import { api } from '../api/client.js'
import { usePaginatedList } from './usePaginatedList.js'

/** The dashboard: the user's trackers (with last log, due state, sparkline) and tracker writes. */
export function useTrackers() {
  const archived = ref('false')
  const list = usePaginatedList((page) => api.get('/trackers', { params: { page, per_page: 50, archived: archived.value } }))

  async function quickLog(tracker, value, note = '') {
    const data = await api.post(`/trackers/${tracker.id}/logs`, { value, note })
    await list.reload()
    return data.log
  }

  return { ...list, archived, quickLog }
}

/** One tracker: load, create, update, delete. */
export function useTracker() {
  const tracker = ref(null)
  const loading = ref(false)
  const error = ref(null)

  async function load(id) {
    loading.value = true
    error.value = null
    try {
      tracker.value = (await api.get(`/trackers/${id}`)).tracker
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
    return tracker.value
  }

  async function save(id, body) {
    const data = id ? await api.patch(`/trackers/${id}`, body) : await api.post('/trackers', body)
    tracker.value = data.tracker
    return data.tracker
  }

  async function remove(id) {
    await api.del(`/trackers/${id}`)
    tracker.value = null
  }

  return { tracker, loading, error, load, save, remove }
}
