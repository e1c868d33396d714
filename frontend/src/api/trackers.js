// Trackers, their logs and stats, CSV import/export, reports and the emailed-link pages.
import { api } from './client.js'

export const listTrackers = (params) => api.get('/trackers', { params })
export const getTracker = (id) => api.get(`/trackers/${id}`)
export const createTracker = (body) => api.post('/trackers', body)
export const updateTracker = (id, body) => api.patch(`/trackers/${id}`, body)
export const deleteTracker = (id) => api.del(`/trackers/${id}`)
/** The manual dashboard order: `ids` first, in this order (an empty list clears it). */
export const setTrackerOrder = (ids) => api.put('/trackers/order', { ids })

export const listLogs = (trackerId, params) => api.get(`/trackers/${trackerId}/logs`, { params })
export const createLog = (trackerId, body) => api.post(`/trackers/${trackerId}/logs`, body)
export const updateLog = (trackerId, logId, body) => api.patch(`/trackers/${trackerId}/logs/${logId}`, body)
export const deleteLog = (trackerId, logId) => api.del(`/trackers/${trackerId}/logs/${logId}`)

export const getTrackerStats = (trackerId, params) => api.get(`/trackers/${trackerId}/stats`, { params })

/** `form` is a FormData holding the CSV `file`. */
export const importTrackersCsv = (form) => api.post('/trackers/import', form)
export const exportTrackersCsv = (body) => api.post('/trackers/export', body)
export const requestReport = (body) => api.post('/reports', body)

export const getTrackingPreferences = () => api.get('/tracking/preferences')
export const updateTrackingPreferences = (changes) => api.patch('/tracking/preferences', changes)

// The pages behind emailed links: the signed token is the permission; GET previews, POST acts.
const LINK_PATHS = { 'quick-log': '/trackers/quick-log', unsubscribe: '/tracking/unsubscribe' }
export const previewTrackerLink = (kind, token) => api.get(LINK_PATHS[kind], { params: { token } })
export const confirmTrackerLink = (kind, token, extra = {}) => api.post(LINK_PATHS[kind], { token, ...extra })
