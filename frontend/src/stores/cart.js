// The cart, shared by the header badge, the add buttons and the shop pages.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as shopApi from '../api/shop.js'

export const useCartStore = defineStore('cart', () => {
  const cart = ref(null)
  const loading = ref(false)
  const error = ref(null)
  const busyProducts = ref(new Set())

  const itemCount = computed(() => cart.value?.item_count ?? 0)
  const currency = computed(() => cart.value?.currency ?? 'EUR')

  async function run(productId, call) {
    error.value = null
    if (productId !== null) busyProducts.value = new Set([...busyProducts.value, productId])
    try {
      cart.value = (await call()).cart
      return cart.value
    } catch (err) {
      error.value = err
      throw err
    } finally {
      if (productId !== null) {
        const next = new Set(busyProducts.value)
        next.delete(productId)
        busyProducts.value = next
      }
    }
  }

  async function load() {
    loading.value = true
    try {
      return await run(null, shopApi.getCart)
    } finally {
      loading.value = false
    }
  }

  function quantityOf(productId) {
    return cart.value?.items.find((line) => line.product_id === productId)?.quantity ?? 0
  }

  const add = (productId, quantity = 1) =>
    run(productId, () => shopApi.setCartQuantity(productId, Math.min(99, quantityOf(productId) + quantity)))
  const setQuantity = (productId, quantity) => run(productId, () => shopApi.setCartQuantity(productId, quantity))
  const remove = (productId) => run(productId, () => shopApi.removeCartItem(productId))
  const clear = () => run(null, shopApi.clearCart)

  function reset() {
    cart.value = null
    error.value = null
  }

  return { cart, loading, error, busyProducts, itemCount, currency, load, add, setQuantity, remove, clear, reset }
})
