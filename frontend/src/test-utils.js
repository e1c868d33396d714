// Helpers shared by the unit tests (not shipped: only *.spec.js import this file).
import { vi } from 'vitest'

/** A fetch Response with a JSON body. */
export function jsonResponse(status, body, headers = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

/** Replace global fetch with a mock answering from `handler(url, init)`; returns the mock. */
export function mockFetch(handler) {
  const fetchMock = vi.fn(async (url, init = {}) => handler(String(url), init))
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}
