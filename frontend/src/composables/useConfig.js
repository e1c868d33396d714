import { ref } from 'vue'
import { getConfig } from '../api/accounts.js'

// The public instance configuration changes only with a redeploy: load it once per page load.
const config = ref(null)
const error = ref(null)
let pending = null

/** The public configuration (`registration` mode, `version`), loaded once and shared. */
export function useConfig() {
  function load() {
    if (config.value) return Promise.resolve(config.value)
    if (!pending) {
      error.value = null
      pending = getConfig()
        .then((data) => {
          config.value = data
          return data
        })
        .catch((err) => {
          error.value = err
          throw err
        })
        .finally(() => {
          pending = null
        })
    }
    return pending
  }
  return { config, error, load }
}
