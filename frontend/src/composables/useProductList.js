import { reactive, ref } from 'vue'
import { listProducts } from '../api/products.js'

export const SEARCH_DEBOUNCE_MS = 300
export const DEFAULT_PER_PAGE = 25
export const FILTER_KEYS = ['q', 'category', 'source', 'availability', 'manufacturer', 'tag', 'watched']
export const DEFAULT_SORT = 'activity'

/** The query parameters the API takes for a list state (empty filters and the default sort left out). */
export function listParams(state) {
  const params = { page: state.page, per_page: state.perPage }
  if (state.sort && state.sort !== DEFAULT_SORT) params.sort = state.sort
  for (const key of FILTER_KEYS) {
    const value = typeof state[key] === 'string' ? state[key].trim() : state[key]
    if (value) params[key] = value
  }
  return params
}

/** The list state read from a route query (unknown or malformed values fall back to defaults). */
export function stateFromQuery(query) {
  const state = { sort: typeof query.sort === 'string' ? query.sort : DEFAULT_SORT }
  for (const key of FILTER_KEYS) state[key] = typeof query[key] === 'string' ? query[key] : ''
  state.page = Number(query.page) > 0 ? Number(query.page) : 1
  return state
}

/** The route query for a list state (what `stateFromQuery` reads back). */
export function queryFromState(state) {
  const query = {}
  for (const key of FILTER_KEYS) if (state[key]) query[key] = state[key]
  if (state.sort !== DEFAULT_SORT) query.sort = state.sort
  if (state.page > 1) query.page = String(state.page)
  return query
}

/**
 * The research product list (`GET /api/products`): debounced text search, filters, sort and
 * server-side pages. Late answers to earlier requests are ignored; while a page loads the old rows
 * stay on screen (`loading` is true) so the list never flashes empty.
 */
export function useProductList(initial = {}) {
  const state = reactive({
    q: '',
    category: '',
    source: '',
    availability: '',
    manufacturer: '',
    tag: '',
    watched: '',
    sort: DEFAULT_SORT,
    page: 1,
    perPage: DEFAULT_PER_PAGE,
    ...initial,
  })
  const items = ref([])
  const total = ref(0)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref(null)
  let sequence = 0
  let debounce = null

  async function load() {
    const mine = ++sequence
    loading.value = true
    try {
      const data = await listProducts(listParams(state))
      if (mine !== sequence) return
      items.value = data.items
      total.value = data.total
      state.page = data.page
      error.value = null
      loaded.value = true
    } catch (err) {
      if (mine === sequence) error.value = err
    } finally {
      if (mine === sequence) loading.value = false
    }
  }

  function setFilter(name, value) {
    state[name] = value
    state.page = 1
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

  function setPage(page) {
    state.page = page
    load()
  }

  function resetFilters() {
    clearTimeout(debounce)
    for (const key of FILTER_KEYS) state[key] = ''
    state.page = 1
    load()
  }

  const filtered = () => FILTER_KEYS.some((key) => Boolean(state[key]))

  return { state, items, total, loading, loaded, error, load, setFilter, setSearch, setPage, resetFilters, filtered }
}
