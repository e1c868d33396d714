// Background jobs of the signed-in user (exports, reports, inventory refreshes).
import { api } from './client.js'

export const listJobs = (params) => api.get('/jobs', { params })
export const getJob = (id) => api.get(`/jobs/${id}`)
