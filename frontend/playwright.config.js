import { defineConfig, devices } from '@playwright/test'

// End-to-end tests drive the real API: e2e/global-setup.js starts Redis, an SMTP sink, the API
// (gunicorn serving the built SPA) and a Celery worker, each on a free port, with a temporary
// SQLite database. Set E2E_BASE_URL (plus E2E_ADMIN_EMAIL/E2E_ADMIN_PASSWORD) to test a running
// instance instead.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.e2e.js',
  globalSetup: './e2e/global-setup.js',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    ...devices['Desktop Chrome'],
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: chromiumArgs,
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
})
