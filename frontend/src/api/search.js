// The one search over products, comments, document text and the caller's own trackers.
import { api } from './client.js'

/** GET /api/search: { items: [{kind, id, title, snippet_html, score, product, tracker}], page, per_page, total, total_capped }. */
export const searchAll = (params, { signal } = {}) => api.get('/search', { params, signal, retry: false })
