import { onBeforeUnmount, ref, watch } from 'vue'
import { checkPasswordStrength } from '../api/accounts.js'
import { localStrength } from '../utils/passwordStrength.js'

/**
 * A live strength reading for a password field. A quick local estimate shows at once; the server's
 * judgement (the same one register, reset and change apply) replaces it after a short pause in typing.
 * `details()` gives the email and name the server should compare with (signed out forms).
 */
export function usePasswordStrength(password, details = () => ({}), { delay = 350 } = {}) {
  const strength = ref(null)
  const checking = ref(false)
  let timer = null
  let sequence = 0

  async function ask(value, ticket) {
    try {
      const data = await checkPasswordStrength({ password: value, ...details() })
      if (ticket === sequence) strength.value = { ...data.strength, source: 'server' }
    } catch {
      // The local estimate stays; the form's submit still gets the server's answer.
    } finally {
      if (ticket === sequence) checking.value = false
    }
  }

  watch(password, (value) => {
    clearTimeout(timer)
    sequence += 1
    const ticket = sequence
    if (!value) {
      strength.value = null
      checking.value = false
      return
    }
    strength.value = { ...localStrength(value, details()), source: 'local' }
    checking.value = true
    timer = setTimeout(() => ask(value, ticket), delay)
  })

  onBeforeUnmount(() => clearTimeout(timer))
  return { strength, checking }
}
