import { onBeforeUnmount, ref } from 'vue'
import { searchAll } from '../api/search.js'

export const TYPEAHEAD_DEBOUNCE_MS = 150

/**
 * Search as the user types: waits for a pause (`delay` ms), cancels the request of an older query
 * (AbortController) so a slow answer never replaces a newer one, and keeps loading/error state.
 */
export function useTypeahead({ delay = TYPEAHEAD_DEBOUNCE_MS, perPage = 8, search = searchAll } = {}) {
  const results = ref([])
  const total = ref(0)
  const capped = ref(false)
  const loading = ref(false)
  const error = ref('')
  const searched = ref('') // the query the results answer
  let timer = null
  let controller = null

  function cancel() {
    clearTimeout(timer)
    timer = null
    controller?.abort()
    controller = null
  }

  async function run(q) {
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    loading.value = true
    error.value = ''
    try {
      const data = await search({ q, per_page: perPage }, { signal: mine.signal })
      if (mine.signal.aborted) return
      results.value = data.items
      total.value = data.total
      capped.value = data.total_capped
      searched.value = q
    } catch (err) {
      if (err?.name === 'AbortError' || mine.signal.aborted) return
      error.value = err.message || 'Search failed.'
      results.value = []
    } finally {
      if (controller === mine) {
        loading.value = false
        controller = null
      }
    }
  }

  /** Ask for `q` after the pause; a blank query clears everything at once. */
  function update(q) {
    cancel()
    if (!q.trim()) {
      results.value = []
      total.value = 0
      capped.value = false
      loading.value = false
      error.value = ''
      searched.value = ''
      return
    }
    loading.value = true
    timer = setTimeout(() => run(q.slice(0, 200)), delay)
  }

  onBeforeUnmount(cancel)

  return { results, total, capped, loading, error, searched, update, cancel }
}
