// Watching products and export bundles (the digest email's unsubscribe link too).
import { api } from './client.js'

export const getWatch = (productId) => api.get(`/products/${productId}/watch`)
export const watchProduct = (productId) => api.put(`/products/${productId}/watch`)
export const unwatchProduct = (productId) => api.del(`/products/${productId}/watch`)
export const listWatchers = (productId, params) => api.get(`/products/${productId}/watchers`, { params })

export const previewWatchUnsubscribe = (token) => api.get('/watch/unsubscribe', { params: { token } })
export const confirmWatchUnsubscribe = (token) => api.post('/watch/unsubscribe', { token })

export const exportProduct = (productId) => api.post(`/products/${productId}/export`)
