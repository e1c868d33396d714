// Wires the HTTP client to the session: the token it sends comes from the auth store, and a 401 on a
// request that carried a token ends the session. Kept out of api/client.js so the client imports no store.
import { setTokenGetter, setUnauthorizedHandler } from '../api/client.js'
import { useAuthStore } from '../stores/auth.js'

/** Connect the client to the auth store; `onSignedOut(error)` runs after a 401 cleared the session. */
export function connectApiSession({ onSignedOut } = {}) {
  // Read the store at request time: the active Pinia is the app's (or the current test's).
  setTokenGetter(() => useAuthStore().token)
  setUnauthorizedHandler((error) => {
    useAuthStore().clear()
    onSignedOut?.(error)
  })
}
