import { ref } from 'vue'

/**
 * A paginated list from the API (`{items, page, per_page, total}`), with loading and error state.
 * `fetchPage(page)` returns that envelope.
 */
export function usePaginatedList(fetchPage) {
  const items = ref([])
  const page = ref(1)
  const perPage = ref(50)
  const total = ref(0)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref(null)

  async function load(requested = page.value) {
    loading.value = true
    error.value = null
    try {
      const data = await fetchPage(requested)
      items.value = data.items || []
      page.value = data.page || requested
      perPage.value = data.per_page || perPage.value
      total.value = data.total ?? items.value.length
      loaded.value = true
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
  }

  function replaceItem(updated) {
    items.value = items.value.map((item) => (item.id === updated.id ? updated : item))
  }

  return { items, page, perPage, total, loading, loaded, error, load, reload: () => load(page.value), replaceItem }
}
