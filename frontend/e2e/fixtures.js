// Shared pieces for the end-to-end tests: the base URL from global setup, API helpers, mail and screenshots.
import { test as base, expect } from '@playwright/test'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const screenshotDir = join(dirname(fileURLToPath(import.meta.url)), 'screenshots')

export const admin = {
  get email() {
    return process.env.E2E_ADMIN_EMAIL
  },
  get password() {
    return process.env.E2E_ADMIN_PASSWORD
  },
}

export const test = base.extend({
  // Global setup picks the port at run time, after the config was read.
  baseURL: async ({}, use) => {
    await use(process.env.E2E_BASE_URL)
  },
})

export { expect }

/** Sign in through the form and wait for the app shell. */
export async function signIn(page, email, password) {
  await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.locator('.app-shell')).toBeVisible()
}

/** Sign out through the user menu (desktop) or the hamburger menu (phone). */
export async function signOut(page) {
  const hamburger = page.getByRole('button', { name: 'Open menu' })
  if (await hamburger.isVisible()) {
    await hamburger.click()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Log out' }).click()
  } else {
    await page.locator('.user-menu__trigger').click()
    await page.getByRole('menuitem', { name: 'Log out' }).click()
  }
  await expect(page).toHaveURL(/\/login/)
}

/** Create an invitation through the API as the admin; returns it. */
export async function createInvitationViaApi(request, email, role = 'member') {
  const login = await request.post('/api/auth/login', { data: { email: admin.email, password: admin.password } })
  expect(login.ok()).toBeTruthy()
  const { token } = await login.json()
  const response = await request.post('/api/invitations', {
    data: { email, role },
    headers: { 'Authentication-Token': token },
  })
  expect(response.status()).toBe(201)
  return (await response.json()).invitation
}

/** A unique address per test run so reruns against a live server never collide. */
export function uniqueEmail(prefix) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@e2e.example.com`
}

function decodeMail(raw) {
  if (!/Content-Transfer-Encoding:\s*quoted-printable/i.test(raw)) return raw
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
}

/** Wait until the SMTP sink holds a message to `to` whose text matches `matching`; returns its text. */
export async function waitForMail(to, matching, { timeout = 20_000 } = {}) {
  const dir = process.env.E2E_MAIL_DIR
  if (!dir) throw new Error('E2E_MAIL_DIR is not set: mail checks need the servers from global setup')
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    for (const sub of ['new', 'cur']) {
      let files = []
      try {
        files = readdirSync(join(dir, sub))
      } catch {
        files = []
      }
      for (const file of files) {
        const text = decodeMail(readFileSync(join(dir, sub, file), 'utf8'))
        const toLine = text.match(/^To:\s*(.+)$/im)
        if (toLine && toLine[1].toLowerCase().includes(to.toLowerCase()) && matching.test(text)) return text
      }
    }
    await new Promise((done) => setTimeout(done, 200))
  }
  throw new Error(`no email to ${to} matching ${matching} within ${timeout} ms`)
}

/** Save a screenshot under e2e/screenshots/ (gitignored) for a human to look at. */
export async function snap(page, name) {
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true })
}
