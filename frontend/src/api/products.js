// Products as research objects: the searchable list, its filter values, one product, create/edit/delete.
import { api } from './client.js'

export const listProducts = (params) => api.get('/products', { params })
export const getProductFacets = () => api.get('/products/facets')
export const getProduct = (id) => api.get(`/products/${id}`)
export const createProduct = (body) => api.post('/products', body)
export const updateProduct = (id, body) => api.patch(`/products/${id}`, body)
export const deleteProduct = (id) => api.del(`/products/${id}`)
