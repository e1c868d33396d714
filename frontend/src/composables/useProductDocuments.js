import { onBeforeUnmount, reactive, ref } from 'vue'
import { deleteDocument, listDocuments, uploadDocument } from '../api/documents.js'
import { usePaginatedList } from './usePaginatedList.js'

/** How often the list is reloaded while a document is still being indexed. */
export const INDEXING_POLL_MS = 2000

let nextUploadId = 1

/**
 * A product's documents: the list (reloaded while any is `pending`), uploads of several files at
 * once, each with its own progress (0..1) and error, and deletion.
 */
export function useProductDocuments(productId) {
  const list = usePaginatedList((page) => listDocuments(productId(), { page, per_page: 50 }))
  const uploads = ref([])
  const deleting = ref(null)
  const deleteError = ref(null)
  let timer = null

  function schedulePoll() {
    clearTimeout(timer)
    timer = null
    if (list.items.value.some((document) => document.text_status === 'pending')) {
      timer = setTimeout(async () => {
        await list.reload()
        schedulePoll()
      }, INDEXING_POLL_MS)
    }
  }

  async function load() {
    await list.load(1)
    schedulePoll()
  }

  async function uploadOne(entry) {
    entry.status = 'uploading'
    try {
      await uploadDocument(productId(), entry.file, {
        onProgress: (fraction) => {
          entry.progress = fraction
        },
      })
      entry.status = 'done'
      entry.progress = 1
    } catch (err) {
      entry.status = 'failed'
      entry.error = err.message || 'The upload failed.'
    }
  }

  /** Upload every file (one request each, side by side); the list reloads when they are all done. */
  async function uploadFiles(files) {
    const entries = Array.from(files).map((file) =>
      reactive({
        id: nextUploadId++,
        file,
        name: file.name,
        size: file.size,
        progress: 0,
        status: 'queued',
        error: '',
      }),
    )
    if (!entries.length) return
    uploads.value = [...uploads.value.filter((entry) => entry.status !== 'done'), ...entries]
    await Promise.all(entries.map(uploadOne))
    await list.load(1)
    schedulePoll()
    setTimeout(() => {
      uploads.value = uploads.value.filter((entry) => !entries.includes(entry) || entry.status !== 'done')
    }, 1500)
  }

  function dismissUpload(id) {
    uploads.value = uploads.value.filter((entry) => entry.id !== id)
  }

  async function remove(document) {
    deleting.value = document.id
    deleteError.value = null
    try {
      await deleteDocument(document.id)
      await list.reload()
    } catch (err) {
      deleteError.value = err
    } finally {
      deleting.value = null
    }
  }

  onBeforeUnmount(() => clearTimeout(timer))

  return { ...list, load, uploads, uploadFiles, dismissUpload, remove, deleting, deleteError }
}
