import { api } from '../api/client.js'
import { usePaginatedList } from './usePaginatedList.js'

/** Users for admins: the paginated list, change role, deactivate and reactivate. */
export function useUsers() {
  const list = usePaginatedList((page) => api.get('/users', { params: { page } }))

  async function update(user, changes) {
    const data = await api.patch(`/users/${user.id}`, changes)
    list.replaceItem(data.user)
    return data.user
  }

  return { ...list, update }
}
