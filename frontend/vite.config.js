import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The SPA is served by Flask from frontend/dist; in development Vite proxies the API.
const apiTarget = process.env.TRACKBASE_API_URL || 'http://127.0.0.1:5000'

export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.spec.js'],
    setupFiles: ['src/test-setup.js'],
    restoreMocks: true,
  },
})
