// The supplier inventory: status of the poll, one category's list, "Refresh now", a product's history.
import { api } from './client.js'

export const getInventoryStatus = () => api.get('/inventory/status')
export const listInventory = (category, params) => api.get(`/inventory/${encodeURIComponent(category)}`, { params })
export const refreshInventory = () => api.post('/inventory/refresh')
export const getProductAvailability = (productId, params) => api.get(`/products/${productId}/availability`, { params })
