import { createInvitation, deleteInvitation, listInvitations } from '../api/admin.js'
import { usePaginatedList } from './usePaginatedList.js'

/** The absolute link a new member opens to register with an invitation code. */
export function invitationLink(code) {
  return `${window.location.origin}/register?code=${encodeURIComponent(code)}`
}

/** Invitations for admins: the paginated list, create and revoke. */
export function useInvitations() {
  const list = usePaginatedList((page) => listInvitations({ page }))

  async function create({ email, role }) {
    const data = await createInvitation({ email, role })
    await list.load(1)
    return data.invitation
  }

  async function revoke(invitation) {
    await deleteInvitation(invitation.id)
    await list.reload()
  }

  return { ...list, create, revoke }
}
