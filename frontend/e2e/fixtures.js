// Shared pieces for the end-to-end tests: the base URL from global setup, API helpers, mail and screenshots.
import { test as base, expect } from '@playwright/test'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
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

// Signs a reset token the way the API does, dated `hoursAgo` in the past (the browser cannot wait 2 hours).
const MINT_RESET_TOKEN = `
import sys, time
import itsdangerous.timed as timed
hours = float(sys.argv[2])
timed.TimestampSigner.get_timestamp = lambda self: int(time.time() - hours * 3600)
from flask_security.recoverable import generate_reset_password_token
from trackbase import create_app
from trackbase.services.accounts import find_user_by_email
app = create_app()
with app.app_context():
    print(generate_reset_password_token(find_user_by_email(sys.argv[1])))
`

/** A password-reset token for `email` issued `hoursAgo` hours ago (needs the servers from global setup). */
export function resetTokenIssuedAgo(email, hoursAgo) {
  const backend = process.env.E2E_BACKEND_ENV
  if (!backend) throw new Error('E2E_BACKEND_ENV is not set: minting a token needs the servers from global setup')
  const backendDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'backend')
  const result = spawnSync(
    join(process.env.E2E_VENV_BIN, 'python'),
    ['-c', MINT_RESET_TOKEN, email, String(hoursAgo)],
    { cwd: backendDir, env: { ...process.env, ...JSON.parse(backend) }, encoding: 'utf8' },
  )
  if (result.status !== 0) throw new Error(`minting a reset token failed:\n${result.stderr}`)
  return result.stdout.trim().split('\n').pop()
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Fail on any serious or critical axe-core violation of the page as it is now (rule, help, elements). */
export async function expectNoSeriousAxeViolations(page, label) {
  await expect(page.locator('.app-loading')).toHaveCount(0)
  await page.evaluate(axeSource)
  // eslint-disable-next-line no-undef
  const results = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }))
  const found = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`)
  expect(found, `${label}:\n  ${found.join('\n  ')}`).toEqual([])
}

/** A new member registered by invitation through the API; their email, password and token headers. */
export async function registerMember(request, prefix) {
  const email = uniqueEmail(prefix)
  const password = 'member-password-1'
  const invitation = await createInvitationViaApi(request, email)
  const registered = await request.post('/api/auth/register', { data: { email, password, invitation: invitation.code } })
  expect(registered.ok()).toBeTruthy()
  const login = await request.post('/api/auth/login', { data: { email, password } })
  const { token } = await login.json()
  return { email, password, headers: { 'Authentication-Token': token } }
}

/** Content-Security-Policy violations the page reports, collected for the end of a test. */
export async function watchCsp(page) {
  const violations = []
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
  })
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`)
    })
  })
  return violations
}
