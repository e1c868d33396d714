// The shop: the signed-in user's cart, checkout (with an Idempotency-Key), orders; an admin's export retry.
import { api } from './client.js'

export const getCart = () => api.get('/cart')
export const setCartQuantity = (productId, quantity) => api.put(`/cart/items/${productId}`, { quantity })
export const removeCartItem = (productId) => api.del(`/cart/items/${productId}`)
export const clearCart = () => api.del('/cart')
// A checkout is sent again with the same key after a lost answer: the server answers the same order.
export const checkout = (idempotencyKey) =>
  api.post('/checkout', undefined, { headers: { 'Idempotency-Key': idempotencyKey }, retry: true })
export const listOrders = (params) => api.get('/orders', { params })
export const getOrder = (id) => api.get(`/orders/${encodeURIComponent(id)}`)
export const retryOrderExport = (id) => api.post(`/orders/${encodeURIComponent(id)}/export`)
