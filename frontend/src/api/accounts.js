// The session and the account: sign in and out, the current user, registration, passwords, config.
import { api } from './client.js'

export const getConfig = () => api.get('/config')

export const login = (body) => api.post('/auth/login', body)
export const logout = () => api.post('/auth/logout', {})
export const getMe = () => api.get('/me')
export const updateMe = (changes) => api.patch('/me', changes)
/** Queue a test email to the signed-in user's address: 202 with the job. */
export const sendTestEmail = () => api.post('/me/test-email', {})

export const register = (body) => api.post('/auth/register', body)
export const requestPasswordReset = (email) => api.post('/auth/reset', { email })
export const resetPassword = (token, body) => api.post(`/auth/reset/${encodeURIComponent(token)}`, body)
export const changePassword = (body) => api.post('/auth/change', body)
export const logoutEverywhere = () => api.post('/auth/logout-everywhere', {})

/** What an invitation code is for: { email (while valid), role, status, expires_at, message }. */
export const getInvitation = (code) => api.get(`/auth/invitations/${encodeURIComponent(code)}`)
/** Whether a reset link still works: { status: valid|used|expired|invalid, expires_at, message }. */
export const getResetLink = (token) => api.get(`/auth/reset-links/${encodeURIComponent(token)}`)
/** The server's judgement of a password (the same as register, reset and change apply). */
export const checkPasswordStrength = (body) => api.post('/auth/password-strength', body, { retry: false })

/** One cheap public read, sent once (no retries): used to notice that the server is back. */
export const probeServer = () => api.get('/config', { retry: false })
