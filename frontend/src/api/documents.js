// Documents of a product: list, upload (with progress), one, delete.
import { api, upload } from './client.js'

export const listDocuments = (productId, params) => api.get(`/products/${productId}/documents`, { params })
export const getDocument = (id) => api.get(`/documents/${id}`)
export const deleteDocument = (id) => api.del(`/documents/${id}`)

/** Upload one file (multipart field `file`); `onProgress(fraction)` follows the bytes sent. */
export function uploadDocument(productId, file, { onProgress, signal } = {}) {
  const form = new FormData()
  form.append('file', file, file.name)
  return upload(`/products/${productId}/documents`, form, { onProgress, signal })
}
