// The discussion of a product: comments (list, add, edit, delete), the Markdown preview, members to mention.
import { api } from './client.js'

export const listComments = (productId, params) => api.get(`/products/${productId}/comments`, { params })
export const createComment = (productId, body) => api.post(`/products/${productId}/comments`, { body })
export const updateComment = (id, body) => api.patch(`/comments/${id}`, { body })
export const deleteComment = (id) => api.del(`/comments/${id}`)
/** The sanitized HTML the API would store for this Markdown (nothing is saved). */
export const previewComment = (body) => api.post('/comments/preview', { body })
export const searchMembers = (q, limit = 8) => api.get('/members', { params: { q, limit } })
export const getMember = (id) => api.get(`/members/${id}`)
