// Admin areas: invitations, users and the outbox.
import { api } from './client.js'

export const listInvitations = (params) => api.get('/invitations', { params })
export const createInvitation = (body) => api.post('/invitations', body)
export const deleteInvitation = (id) => api.del(`/invitations/${id}`)

export const listUsers = (params) => api.get('/users', { params })
export const updateUser = (id, changes) => api.patch(`/users/${id}`, changes)

// The outbox: queued work and mail, with failed mail kept for an admin to retry.
export const listOutbox = (params) => api.get('/admin/outbox', { params })
export const retryOutboxMessage = (id) => api.post(`/admin/outbox/${id}/retry`)
