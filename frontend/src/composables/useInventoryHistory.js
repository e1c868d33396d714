import { ref } from 'vue'
import { getProductAvailability } from '../api/inventory.js'

export const HISTORY_PER_PAGE = 20

/** A product's availability history (`GET /api/products/<id>/availability`), newest first. */
export function useInventoryHistory() {
  const product = ref(null)
  const items = ref([])
  const page = ref(1)
  const total = ref(0)
  const loading = ref(false)
  const error = ref(null)
  let current = null
  let sequence = 0

  async function open(productId, requested = 1) {
    current = productId
    const mine = ++sequence
    loading.value = true
    error.value = null
    try {
      const data = await getProductAvailability(productId, { page: requested, per_page: HISTORY_PER_PAGE })
      if (mine !== sequence) return
      product.value = data.product
      items.value = data.items
      page.value = data.page
      total.value = data.total
    } catch (err) {
      if (mine === sequence) error.value = err
    } finally {
      if (mine === sequence) loading.value = false
    }
  }

  function close() {
    sequence += 1
    current = null
    product.value = null
    items.value = []
    total.value = 0
    error.value = null
    loading.value = false
  }

  return {
    product,
    items,
    page,
    total,
    loading,
    error,
    perPage: HISTORY_PER_PAGE,
    open,
    close,
    setPage: (p) => current !== null && open(current, p),
    reload: () => current !== null && open(current, page.value),
  }
}
