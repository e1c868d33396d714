import { computed, ref } from 'vue'
import {
  createLog,
  createTracker,
  deleteLog,
  deleteTracker,
  getTracker,
  listTrackers,
  setTrackerOrder,
  updateTracker,
} from '../api/trackers.js'
import { usePaginatedList } from './usePaginatedList.js'

/** Due trackers first, the rest after; the API's order is kept within each group. */
export function dueFirst(trackers) {
  return [...trackers.filter((t) => t.due), ...trackers.filter((t) => !t.due)]
}

/** True when the user has put their trackers in a manual order (any tracker has a position). */
export function isManuallyOrdered(trackers) {
  return trackers.some((t) => t.position !== null && t.position !== undefined)
}

/** `ids` with the id at `index` moved by `delta` (-1 up, +1 down); unchanged at either end. */
export function moveId(ids, index, delta) {
  const target = index + delta
  if (index < 0 || target < 0 || target >= ids.length) return ids
  const next = [...ids]
  ;[next[index], next[target]] = [next[target], next[index]]
  return next
}

/**
 * The dashboard: the user's trackers (with last log, due state, sparkline) and tracker writes.
 * Order: the user's manual order when they have one (the API answers by position), else due first.
 */
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

  const manual = computed(() => isManuallyOrdered(list.items.value))

  async function load(page) {
    order.value = []
    const result = await list.load(page)
    order.value = (manual.value ? list.items.value : dueFirst(list.items.value)).map((t) => t.id)
    return result
  }

  /** Move a card up (-1) or down (+1) and store the order; on failure the old order comes back. */
  async function move(tracker, delta) {
    const ids = ordered.value.map((t) => t.id)
    const next = moveId(ids, ids.indexOf(tracker.id), delta)
    if (next === ids) return false
    const before = order.value
    order.value = next
    try {
      await setTrackerOrder(next)
    } catch (err) {
      order.value = before
      throw err
    }
    await list.reload()
    return true
  }

  /** Forget the manual order: due trackers first again. */
  async function resetOrder() {
    await setTrackerOrder([])
    await load(list.page.value)
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

  return { ...list, load, archived, ordered, manual, move, resetOrder, quickLog, undoLog }
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
