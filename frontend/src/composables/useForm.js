import { reactive, ref } from 'vue'
import { friendlyFieldError } from '../utils/fieldErrors.js'

/**
 * State for one form submission: `busy` while the action runs, `error` (the banner message)
 * and `fields` (per-field messages from the API's error envelope, in words) when it fails.
 * `submit()` resolves to the action's result, or to undefined when it failed.
 */
export function useForm(action, { labels = {} } = {}) {
  const busy = ref(false)
  const error = ref('')
  const fields = reactive({})

  function reset() {
    error.value = ''
    for (const key of Object.keys(fields)) delete fields[key]
  }

  function setFieldErrors(errors) {
    for (const [key, message] of Object.entries(errors || {})) {
      const text = Array.isArray(message) ? message.join(' ') : String(message)
      fields[key] = friendlyFieldError(key, text, labels)
    }
  }

  async function submit(...args) {
    if (busy.value) return undefined
    reset()
    busy.value = true
    try {
      return await action(...args)
    } catch (err) {
      setFieldErrors(err?.fields)
      error.value = err?.message || 'Something went wrong.'
      return undefined
    } finally {
      busy.value = false
    }
  }

  return { busy, error, fields, submit, reset, setFieldErrors }
}
