import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { initTheme } from './composables/useTheme.js'
import { connectApiSession } from './plugins/apiSession.js'
import { createAppRouter } from './router/index.js'
import './styles/main.css'

initTheme()

const app = createApp(App)
const pinia = createPinia()
const router = createAppRouter()

app.use(pinia)
app.use(router)

connectApiSession({
  onSignedOut() {
    const current = router.currentRoute.value
    // Before the first navigation settles the guard itself redirects (and keeps `next`).
    if (current.matched.length === 0) return
    if (current.name !== 'login') {
      router.replace({ name: 'login', query: current.meta.public ? {} : { next: current.fullPath } })
    }
  },
})

app.mount('#app')
