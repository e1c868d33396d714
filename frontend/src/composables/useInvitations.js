import { api } from '../api/client.js'
import { usePaginatedList } from './usePaginatedList.js'

/** The absolute link a new member opens to register with an invitation code. */
export function invitationLink(code) {
  return `${window.location.origin}/register?code=${encodeURIComponent(code)}`
}

/** Invitations for admins: the paginated list, create and revoke. */
export function useInvitations() {
  const list = usePaginatedList((page) => api.get('/invitations', { params: { page } }))

  async function create({ email, role }) {
    const data = await api.post('/invitations', { email, role })
    await list.load(1)
    return data.invitation
  }

  async function revoke(invitation) {
    await api.del(`/invitations/${invitation.id}`)
    await list.reload()
  }

  return { ...list, create, revoke }
}
