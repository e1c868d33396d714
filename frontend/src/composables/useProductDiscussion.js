import { ref } from 'vue'
import { createComment, deleteComment, listComments, updateComment } from '../api/comments.js'

/** How many comments a page of the discussion holds ("Load more" fetches the next one). */
export const DISCUSSION_PAGE_SIZE = 20

/**
 * A product's discussion, oldest first: the comments loaded so far (page by page, "load more"),
 * posting, editing and deleting, each with its own busy and error state.
 */
export function useProductDiscussion(productId) {
  const items = ref([])
  const total = ref(0)
  const page = ref(0)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref(null)
  const posting = ref(false)
  const postError = ref(null)
  const savingId = ref(null)
  const deletingId = ref(null)
  const itemError = ref({})

  function merge(incoming) {
    const known = new Set(items.value.map((c) => c.id))
    items.value = [...items.value, ...incoming.filter((c) => !known.has(c.id))]
  }

  async function fetchPage(n) {
    loading.value = true
    error.value = null
    try {
      const data = await listComments(productId(), { page: n, per_page: DISCUSSION_PAGE_SIZE })
      if (n === 1) items.value = []
      merge(data.items || [])
      total.value = data.total ?? items.value.length
      page.value = n
      loaded.value = true
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
  }

  const load = () => fetchPage(1)
  const loadMore = () => fetchPage(page.value + 1)
  const hasMore = () => items.value.length < total.value

  /** Post a comment; true when it was saved (it is appended: the discussion reads oldest first). */
  async function post(body) {
    posting.value = true
    postError.value = null
    try {
      const { comment } = await createComment(productId(), body)
      merge([comment])
      total.value += 1
      return true
    } catch (err) {
      postError.value = err
      return false
    } finally {
      posting.value = false
    }
  }

  function setItemError(id, err) {
    itemError.value = { ...itemError.value, [id]: err }
  }

  /** Save an edit; true when the API took it. */
  async function save(id, body) {
    savingId.value = id
    setItemError(id, null)
    try {
      const { comment } = await updateComment(id, body)
      items.value = items.value.map((c) => (c.id === id ? comment : c))
      return true
    } catch (err) {
      setItemError(id, err)
      return false
    } finally {
      savingId.value = null
    }
  }

  async function remove(id) {
    deletingId.value = id
    setItemError(id, null)
    try {
      await deleteComment(id)
      items.value = items.value.filter((c) => c.id !== id)
      total.value = Math.max(0, total.value - 1)
    } catch (err) {
      setItemError(id, err)
    } finally {
      deletingId.value = null
    }
  }

  return {
    items,
    total,
    loading,
    loaded,
    error,
    posting,
    postError,
    savingId,
    deletingId,
    itemError,
    load,
    loadMore,
    hasMore,
    post,
    save,
    remove,
  }
}
