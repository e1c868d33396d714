import { reactive, ref, watch } from 'vue'
import { listInventory } from '../api/inventory.js'

export const SEARCH_DEBOUNCE_MS = 300
export const DEFAULT_PER_PAGE = 50

/** The query parameters the API takes for a list state (empty filters left out). */
export function listParams(state) {
  const params = { page: state.page, per_page: state.perPage, sort: state.sort }
  if (state.q.trim()) params.q = state.q.trim()
  if (state.availability) params.availability = state.availability
  if (state.manufacturer) params.manufacturer = state.manufacturer
  if (state.color) params.color = state.color
  return params
}

/**
 * One category's inventory page (`GET /api/inventory/<category>`): filters, debounced text search,
 * sort and server-side pagination. Earlier answers that arrive late are ignored; while a new page
 * loads the old rows stay on screen (`loading` is true) so the table never flashes empty.
 */
export function useInventoryList(initial = {}) {
  const state = reactive({
    category: initial.category || 'gloves',
    q: initial.q || '',
    availability: initial.availability || '',
    manufacturer: initial.manufacturer || '',
    color: initial.color || '',
    sort: initial.sort || 'name',
    page: initial.page || 1,
    perPage: initial.perPage || DEFAULT_PER_PAGE,
  })
  const items = ref([])
  const total = ref(0)
  const manufacturers = ref([])
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref(null)
  let sequence = 0
  let debounce = null

  async function load({ silent = false } = {}) {
    const mine = ++sequence
    if (!silent) loading.value = true
    try {
      const data = await listInventory(state.category, listParams(state))
      if (mine !== sequence) return
      items.value = data.items
      total.value = data.total
      manufacturers.value = data.manufacturers || []
      state.page = data.page
      error.value = null
      loaded.value = true
    } catch (err) {
      if (mine !== sequence) return
      // A silent refresh that fails keeps what is shown; the status banner tells the rest.
      if (!silent) error.value = err
    } finally {
      if (mine === sequence) loading.value = false
    }
  }

  function setCategory(category) {
    if (category === state.category) return
    state.category = category
    state.manufacturer = ''
    state.page = 1
    loaded.value = false
    items.value = []
    load()
  }

  function setFilter(name, value) {
    state[name] = value
    state.page = 1
    load()
  }

  function setPage(page) {
    state.page = page
    load()
  }

  function setSearch(value) {
    state.q = value
    clearTimeout(debounce)
    debounce = setTimeout(() => {
      state.page = 1
      load()
    }, SEARCH_DEBOUNCE_MS)
  }

  function resetFilters() {
    Object.assign(state, { q: '', availability: '', manufacturer: '', color: '', page: 1 })
    clearTimeout(debounce)
    load()
  }

  watch(
    () => state.perPage,
    () => {
      state.page = 1
      load()
    },
  )

  return {
    state,
    items,
    total,
    manufacturers,
    loading,
    loaded,
    error,
    load,
    refresh: () => load({ silent: true }),
    setCategory,
    setFilter,
    setPage,
    setSearch,
    resetFilters,
  }
}
