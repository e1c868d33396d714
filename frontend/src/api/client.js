// The one HTTP client of the SPA: base URL, token header, error envelope -> ApiError,
// 401 -> the unauthorized handler (sign out, back to the login page), 503 or no answer ->
// "server trouble" (listeners show a banner; idempotent GETs are retried; the session is kept).
// It imports nothing of the app: the token getter and the 401 handler are injected
// (plugins/apiSession.js wires them to the auth store), so stores can import the api modules.

export const API_BASE = '/api'

export class ApiError extends Error {
  constructor(status, code, message, fields = {}, retryAfter = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields || {}
    this.retryAfter = retryAfter
  }
}

const FALLBACK_MESSAGES = {
  400: 'The request was not accepted.',
  401: 'Your session has ended. Please sign in again.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  409: 'That conflicts with the current state. Reload and try again.',
  413: 'That file is too large.',
  415: 'The server did not accept the format of the request.',
  422: 'The request could not be processed.',
  503: 'The server is having trouble. Please try again shortly.',
}

/** Retries of idempotent requests during server trouble: delays back off and are capped. */
export const RETRY_POLICY = { retries: 3, baseMs: 1000, maxMs: 10_000 }
const IDEMPOTENT = new Set(['GET', 'HEAD'])

let tokenGetter = () => null
let unauthorizedHandler = defaultUnauthorizedHandler

function defaultUnauthorizedHandler() {
  const here = window.location.pathname + window.location.search
  if (window.location.pathname !== '/login') {
    window.location.assign(`/login?next=${encodeURIComponent(here)}`)
  }
}

/** Where the token for the `Authentication-Token` header comes from (a function returning it or null). */
export function setTokenGetter(getter) {
  tokenGetter = getter || (() => null)
}

// Server trouble: the API answered 503 (a dependency is down) or did not answer at all.
// It starts with such a failure and ends with the next answer below 500.
let serverTroubled = false
const troubleListeners = new Set()

function setServerTrouble(value) {
  if (value === serverTroubled) return
  serverTroubled = value
  for (const listener of troubleListeners) listener(value)
}

/** True while the last answer (or lack of one) said the server is having trouble. */
export function isServerTroubled() {
  return serverTroubled
}

/** Call `listener(troubled)` whenever server trouble starts or ends; returns the unsubscribe function. */
export function onServerTroubleChange(listener) {
  troubleListeners.add(listener)
  return () => troubleListeners.delete(listener)
}

function isTrouble(error) {
  return error.status === 0 || error.status === 503
}

/** How long to wait before retry number `attempt` (0-based): Retry-After if longer, never past the cap. */
export function retryDelayMs(attempt, retryAfter = null) {
  const backoff = RETRY_POLICY.baseMs * 2 ** attempt
  const asked = retryAfter === null || retryAfter === undefined ? 0 : retryAfter * 1000
  return Math.min(RETRY_POLICY.maxMs, Math.max(backoff, asked))
}

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new DOMException('Aborted', 'AbortError'))
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason ?? new DOMException('Aborted', 'AbortError'))
      },
      { once: true },
    )
  })
}

/** Replace what happens after a 401 on an authenticated request (the app signs out and routes to /login). */
export function setUnauthorizedHandler(handler) {
  unauthorizedHandler = handler || defaultUnauthorizedHandler
}

function buildUrl(path, params) {
  let url = API_BASE + (path.startsWith('/') ? path : `/${path}`)
  if (params) {
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '') search.append(key, String(value))
    }
    const query = search.toString()
    if (query) url += (url.includes('?') ? '&' : '?') + query
  }
  return url
}

function parseRetryAfter(value) {
  if (!value) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const date = Date.parse(value)
  if (Number.isNaN(date)) return null
  return Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

async function readBody(response) {
  if (response.status === 204) return null
  const text = await response.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function errorFrom(response, body) {
  const status = response.status
  const envelope = body && typeof body === 'object' ? body.error : null
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'))
  if (status === 429) {
    const wait = retryAfter === null ? 'a moment' : `${retryAfter} second${retryAfter === 1 ? '' : 's'}`
    return new ApiError(
      429,
      envelope?.code || 'rate_limited',
      `Too many requests. Please try again in ${wait}.`,
      envelope?.fields || {},
      retryAfter,
    )
  }
  if (envelope && typeof envelope === 'object') {
    return new ApiError(
      status,
      envelope.code || 'error',
      envelope.message || FALLBACK_MESSAGES[status] || 'Something went wrong.',
      envelope.fields || {},
      retryAfter,
    )
  }
  const message =
    FALLBACK_MESSAGES[status] ||
    (status >= 500
      ? 'The server had a problem handling this request. Please try again shortly.'
      : `The request failed (HTTP ${status}).`)
  const code = status === 503 ? 'unavailable' : status >= 500 ? 'server_error' : 'http_error'
  return new ApiError(status, code, message, {}, retryAfter)
}

/**
 * Send one request to the API and return its parsed JSON body (null for 204).
 * Throws ApiError for every failure, including a network failure (status 0).
 * During server trouble (503, no answer) an idempotent request is sent again after Retry-After or a
 * backoff, up to RETRY_POLICY.retries times (`retry: false` turns that off); writes are never re-sent.
 */
export async function request(method, path, { body, params, headers = {}, signal, retry } = {}) {
  const retries = (retry ?? IDEMPOTENT.has(method)) ? RETRY_POLICY.retries : 0
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await send(method, path, { body, params, headers, signal })
    } catch (error) {
      if (!(error instanceof ApiError) || !isTrouble(error) || attempt >= retries) throw error
      await wait(retryDelayMs(attempt, error.retryAfter), signal)
    }
  }
}

async function send(method, path, { body, params, headers, signal }) {
  const token = tokenGetter()
  const init = { method, headers: { Accept: 'application/json', ...headers }, signal }
  if (token) init.headers['Authentication-Token'] = token
  if (body !== undefined) {
    if (body instanceof FormData) {
      init.body = body
    } else {
      init.headers['Content-Type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
  }

  let response
  try {
    response = await fetch(buildUrl(path, params), init)
  } catch (err) {
    if (err?.name === 'AbortError') throw err
    setServerTrouble(true)
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.')
  }

  const data = await readBody(response)
  if (response.status === 503) setServerTrouble(true)
  else if (response.status < 500) setServerTrouble(false)
  if (response.ok) return data === undefined ? null : data

  const error = errorFrom(response, data)
  // Only a request that carried a token can lose a session; a 401 without one is just an answer.
  // An outage is never a 401: a 503 keeps the session.
  if (response.status === 401 && token) {
    unauthorizedHandler(error)
  }
  throw error
}

export const api = {
  get: (path, options) => request('GET', path, options),
  post: (path, body, options) => request('POST', path, { ...options, body }),
  put: (path, body, options) => request('PUT', path, { ...options, body }),
  patch: (path, body, options) => request('PATCH', path, { ...options, body }),
  del: (path, options) => request('DELETE', path, options),
}

export default api

/**
 * Upload a FormData body with XMLHttpRequest, which (unlike fetch) reports upload progress.
 * `onProgress(fraction)` is called with 0..1 as bytes leave the browser. Resolves with the parsed
 * JSON body; rejects with ApiError like `request` (status 0 when the server could not be reached;
 * never retried: an upload is a write). `signal` aborts it (rejects with an AbortError).
 */
export function upload(path, formData, { onProgress, signal, method = 'POST' } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(method, buildUrl(path))
    xhr.setRequestHeader('Accept', 'application/json')
    const token = tokenGetter()
    if (token) xhr.setRequestHeader('Authentication-Token', token)
    if (onProgress) {
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(Math.min(1, event.loaded / event.total))
      })
    }
    const abort = () => xhr.abort()
    signal?.addEventListener('abort', abort, { once: true })
    xhr.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError')))
    xhr.addEventListener('error', () => {
      setServerTrouble(true)
      reject(new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.'))
    })
    xhr.addEventListener('load', () => {
      signal?.removeEventListener('abort', abort)
      let data = null
      if (xhr.status !== 204 && xhr.responseText) {
        try {
          data = JSON.parse(xhr.responseText)
        } catch {
          data = undefined
        }
      }
      if (xhr.status === 503) setServerTrouble(true)
      else if (xhr.status < 500) setServerTrouble(false)
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1)
        resolve(data === undefined ? null : data)
        return
      }
      const response = { status: xhr.status, headers: { get: (name) => xhr.getResponseHeader(name) } }
      const error = errorFrom(response, data)
      if (xhr.status === 401 && token) unauthorizedHandler(error)
      reject(error)
    })
    xhr.send(formData)
  })
}
