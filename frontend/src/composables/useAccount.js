import { api } from '../api/client.js'
import { useAuthStore } from '../stores/auth.js'

/** Account actions outside the session itself: register, password reset and change, profile. */
export function useAccount() {
  const auth = useAuthStore()

  /** Register with an invitation code, then sign in with the same credentials. */
  async function register({ email, password, invitation, name }) {
    const body = { email, password }
    if (invitation) body.invitation = invitation
    if (name) body.name = name
    await api.post('/auth/register', body)
    return auth.login(email, password)
  }

  /** Ask for a reset link; the API answers the same whether or not the account exists. */
  function requestPasswordReset(email) {
    return api.post('/auth/reset', { email })
  }

  function resetPassword(token, { password, password_confirm }) {
    return api.post(`/auth/reset/${encodeURIComponent(token)}`, { password, password_confirm })
  }

  /** Change the password; every older token stops working, so keep the new one. */
  async function changePassword({ password, new_password, new_password_confirm }) {
    const data = await api.post('/auth/change', { password, new_password, new_password_confirm })
    if (data?.token) auth.setToken(data.token)
    return data
  }

  async function updateProfile(changes) {
    const data = await api.patch('/me', changes)
    auth.setUser(data.user)
    return data.user
  }

  return { register, requestPasswordReset, resetPassword, changePassword, updateProfile }
}
