// Admin areas: invitations and users.
import { api } from './client.js'

export const listInvitations = (params) => api.get('/invitations', { params })
export const createInvitation = (body) => api.post('/invitations', body)
export const deleteInvitation = (id) => api.del(`/invitations/${id}`)

export const listUsers = (params) => api.get('/users', { params })
export const updateUser = (id, changes) => api.patch(`/users/${id}`, changes)
