// Every page of the SPA, and the API docs page, works under the server's Content-Security-Policy:
// the policy is sent, and the browser reports no violation (console or securitypolicyviolation event).
import { test, expect, admin, signIn } from './fixtures.js'

const publicPages = [
  '/login',
  '/register?code=EXAMPLE',
  '/forgot',
  '/reset?token=not-a-real-token',
  '/trackers/quick-log?token=not-a-real-token',
  '/trackers/unsubscribe?token=not-a-real-token',
  '/no-such-page',
]

const signedInPages = [
  '/trackers',
  '/trackers/new',
  '/products',
  '/inventory',
  '/shop',
  '/jobs',
  '/settings',
  '/admin/invitations',
  '/admin/users',
]

/** Collect CSP violations from the console and from the DOM event, for the whole page's life. */
async function watchViolations(page) {
  const violations = []
  page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) violations.push(message.text())
  })
  await page.addInitScript(() => {
    window.__cspViolations = []
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${location.pathname}: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'} ${event.sample || ''}`)
    })
  })
  return async () => [...violations, ...(await page.evaluate(() => window.__cspViolations || []))]
}

async function visit(page, path) {
  const response = await page.goto(path)
  expect(response.status(), path).toBeLessThan(500)
  const csp = response.headers()['content-security-policy']
  expect(csp, `${path} has a CSP`).toContain("default-src 'self'")
  expect(csp).not.toContain('unsafe-inline')
  await page.waitForLoadState('networkidle')
}

test('public pages load with no CSP violation', async ({ page }) => {
  const violations = await watchViolations(page)
  for (const path of publicPages) {
    await visit(page, path)
    await expect(page.locator('#app')).not.toBeEmpty()
  }
  expect(await violations()).toEqual([])
})

test('signed-in pages, a tracker with a chart, and the API docs load with no CSP violation', async ({ page, request }) => {
  const login = await request.post('/api/auth/login', { data: { email: admin.email, password: admin.password } })
  const { token } = await login.json()
  const headers = { 'Authentication-Token': token }
  const created = await request.post('/api/trackers', { data: { name: `CSP ${Date.now()}`, type: 'numeric' }, headers })
  expect(created.status()).toBe(201)
  const trackerId = (await created.json()).tracker.id
  for (const value of [3, 5, 4]) {
    expect((await request.post(`/api/trackers/${trackerId}/logs`, { data: { value }, headers })).status()).toBe(201)
  }

  const violations = await watchViolations(page)
  await signIn(page, admin.email, admin.password)
  for (const path of [...signedInPages, `/trackers/${trackerId}`, `/trackers/${trackerId}/edit`]) {
    await visit(page, path)
    await expect(page.locator('.app-shell')).toBeVisible()
  }
  await visit(page, '/api/docs/')
  await expect(page.locator('.opblock').first()).toBeVisible()
  await expect(page.getByText('Trackbase API').first()).toBeVisible()
  expect(await violations()).toEqual([])
})
