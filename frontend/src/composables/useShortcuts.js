import { nextTick, onBeforeUnmount, onMounted, ref } from 'vue'
import { useRouter } from 'vue-router'
import { shortcutFor } from '../utils/shortcuts.js'

const HEADER_SEARCH = 'input[data-header-search]'
const SEARCH = 'input[type="search"]'

/** Wait (up to `ms`) for a page's search field after a navigation. */
async function findSearch(ms = 3000) {
  const until = Date.now() + ms
  for (;;) {
    await nextTick()
    const field = document.querySelector(SEARCH)
    if (field || Date.now() > until) return field
    await new Promise((done) => setTimeout(done, 50))
  }
}

/**
 * The app's keyboard shortcuts: "/" focuses the header's search (the page's own search where the
 * header has none, else the inventory's), "n" opens a new tracker, "?" shows the help dialog (`helpOpen`).
 */
export function useShortcuts() {
  const router = useRouter()
  const helpOpen = ref(false)

  async function run(action) {
    if (action === 'help') helpOpen.value = true
    else if (action === 'new-tracker') router.push('/trackers/new')
    else if (action === 'search') {
      let field = document.querySelector(HEADER_SEARCH) || document.querySelector(SEARCH)
      if (!field) {
        await router.push('/inventory')
        field = await findSearch()
      }
      field?.focus()
    }
  }

  function onKeydown(event) {
    if (helpOpen.value) return
    const action = shortcutFor(event)
    if (!action) return
    event.preventDefault()
    run(action)
  }

  onMounted(() => document.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => document.removeEventListener('keydown', onKeydown))

  return { helpOpen }
}
