import { ref } from 'vue'
import { createLog, deleteLog, listLogs, updateLog } from '../api/trackers.js'
import { usePaginatedList } from './usePaginatedList.js'

/** A tracker's logs, newest first, paginated; add, edit and delete. */
export function useTrackerLogs(trackerId) {
  const id = () => (typeof trackerId === 'function' ? trackerId() : (trackerId.value ?? trackerId))
  const perPage = ref(20)
  const list = usePaginatedList((page) => listLogs(id(), { page, per_page: perPage.value }))

  async function add(body) {
    const data = await createLog(id(), body)
    await list.load(1)
    return data.log
  }

  async function update(logId, body) {
    const data = await updateLog(id(), logId, body)
    await list.reload()
    return data.log
  }

  async function remove(logId) {
    await deleteLog(id(), logId)
    await list.reload()
  }

  return { ...list, add, update, remove }
}
