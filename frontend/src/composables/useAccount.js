import * as accounts from '../api/accounts.js'
import { useAuthStore } from '../stores/auth.js'
import { browserTimeZone } from '../utils/timezones.js'

/** Account actions outside the session itself: register, password reset and change, profile. */
export function useAccount() {
  const auth = useAuthStore()

  /**
   * Register with an invitation code, then sign in with the same credentials. The new account takes
   * the browser's time zone (the API starts everyone on UTC); failing that is not worth an error.
   */
  async function register({ email, password, invitation, name }) {
    const body = { email, password }
    if (invitation) body.invitation = invitation
    if (name) body.name = name
    await accounts.register(body)
    const result = await auth.login(email, password)
    const zone = browserTimeZone()
    if (zone && auth.user && auth.user.timezone !== zone) {
      try {
        auth.setUser((await accounts.updateMe({ timezone: zone })).user)
      } catch {
        // The default stays; Settings can change it.
      }
    }
    return result
  }

  /** Ask for a reset link; the API answers the same whether or not the account exists. */
  function requestPasswordReset(email) {
    return accounts.requestPasswordReset(email)
  }

  function resetPassword(token, { password, password_confirm }) {
    return accounts.resetPassword(token, { password, password_confirm })
  }

  /** Change the password; every older token stops working, so keep the new one. */
  async function changePassword({ password, new_password, new_password_confirm }) {
    const data = await accounts.changePassword({ password, new_password, new_password_confirm })
    if (data?.token) auth.setToken(data.token)
    return data
  }

  /** What an invitation code is for (address, role, valid/used/expired/revoked). */
  async function lookUpInvitation(code) {
    return (await accounts.getInvitation(code)).invitation
  }

  /** Whether a reset link still works, before asking for the new password. */
  async function checkResetLink(token) {
    return (await accounts.getResetLink(token)).reset_link
  }

  /** End every session and signed link of the account, then this one. */
  async function signOutEverywhere() {
    await accounts.logoutEverywhere()
    auth.clear()
  }

  async function updateProfile(changes) {
    const data = await accounts.updateMe(changes)
    auth.setUser(data.user)
    return data.user
  }

  /** Ask the API to email the user a test message; answers the job (202). */
  function sendTestEmail() {
    return accounts.sendTestEmail()
  }

  return {
    register,
    requestPasswordReset,
    resetPassword,
    changePassword,
    updateProfile,
    sendTestEmail,
    lookUpInvitation,
    checkResetLink,
    signOutEverywhere,
  }
}
