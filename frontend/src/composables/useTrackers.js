import { ref } from 'vue'
import { createLog, createTracker, deleteTracker, getTracker, listTrackers, updateTracker } from '../api/trackers.js'
import { usePaginatedList } from './usePaginatedList.js'

/** The dashboard: the user's trackers (with last log, due state, sparkline) and tracker writes. */
export function useTrackers() {
  const archived = ref('false')
  const list = usePaginatedList((page) => listTrackers({ page, per_page: 50, archived: archived.value }))

  async function quickLog(tracker, value, note = '') {
    const data = await createLog(tracker.id, { value, note })
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
      tracker.value = (await getTracker(id)).tracker
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
    return tracker.value
  }

  async function save(id, body) {
    const data = id ? await updateTracker(id, body) : await createTracker(body)
    tracker.value = data.tracker
    return data.tracker
  }

  async function remove(id) {
    await deleteTracker(id)
    tracker.value = null
  }

  return { tracker, loading, error, load, save, remove }
}
