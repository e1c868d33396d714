import { computed, ref } from 'vue'
import {
  createLog,
  createTracker,
  deleteLog,
  deleteTracker,
  getTracker,
  listTrackers,
  updateTracker,
} from '../api/trackers.js'
import { usePaginatedList } from './usePaginatedList.js'

/** Due trackers first, the rest after; the API's order is kept within each group. */
export function dueFirst(trackers) {
  return [...trackers.filter((t) => t.due), ...trackers.filter((t) => !t.due)]
}

/** The dashboard: the user's trackers (with last log, due state, sparkline) and tracker writes. */
export function useTrackers() {
  const archived = ref('false')
  const list = usePaginatedList((page) => listTrackers({ page, per_page: 50, archived: archived.value }))
  // Due first as the page opens; a log does not move a card from under the pointer afterwards
  // (the order is taken again when another page or filter is loaded).
  const order = ref([])
  const ordered = computed(() => {
    const rank = new Map(order.value.map((id, i) => [id, i]))
    const known = list.items.value.filter((t) => rank.has(t.id)).sort((a, b) => rank.get(a.id) - rank.get(b.id))
    return [...known, ...dueFirst(list.items.value.filter((t) => !rank.has(t.id)))]
  })

  async function load(page) {
    order.value = []
    const result = await list.load(page)
    order.value = dueFirst(list.items.value).map((t) => t.id)
    return result
  }

  async function quickLog(tracker, value, note = '') {
    const data = await createLog(tracker.id, { value, note })
    await list.reload()
    return data.log
  }

  /** Undo a quick log: delete the log it created. */
  async function undoLog(tracker, log) {
    await deleteLog(tracker.id, log.id)
    await list.reload()
  }

  return { ...list, load, archived, ordered, quickLog, undoLog }
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
