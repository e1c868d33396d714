import { listUsers, updateUser } from '../api/admin.js'
import { usePaginatedList } from './usePaginatedList.js'

/** Users for admins: the paginated list, change role, deactivate and reactivate. */
export function useUsers() {
  const list = usePaginatedList((page) => listUsers({ page }))

  async function update(user, changes) {
    const data = await updateUser(user.id, changes)
    list.replaceItem(data.user)
    return data.user
  }

  return { ...list, update }
}
