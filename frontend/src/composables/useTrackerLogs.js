import { ref } from 'vue'
import { api } from '../api/client.js'
import { usePaginatedList } from './usePaginatedList.js'

/** A tracker's logs, newest first, paginated; add, edit and delete. */
export function useTrackerLogs(trackerId) {
  const id = () => (typeof trackerId === 'function' ? trackerId() : trackerId.value ?? trackerId)
  const perPage = ref(20)
  const list = usePaginatedList((page) => api.get(`/trackers/${id()}/logs`, { params: { page, per_page: perPage.value } }))

  async function add(body) {
    const data = await api.post(`/trackers/${id()}/logs`, body)
    await list.load(1)
    return data.log
  }

  async function update(logId, body) {
    const data = await api.patch(`/trackers/${id()}/logs/${logId}`, body)
    await list.reload()
    return data.log
  }

  async function remove(logId) {
    await api.del(`/trackers/${id()}/logs/${logId}`)
    await list.reload()
  }

  return { ...list, add, update, remove }
}
