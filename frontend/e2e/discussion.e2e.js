// The discussion against the real API and worker: post (with an @-mention picked from the suggestions and a
// preview rendered by the API), the mention email, edit ("edited"), delete after confirm, the member page;
// then the XSS payload list posted as comments and rendered in Chromium: no dialog, no `window.__xss`, no
// CSP violation, no active element. Screenshots on desktop (1366x850) and phone (390x844).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { admin, createInvitationViaApi, expect, signIn, snap, test, uniqueEmail, waitForMail } from './fixtures.js'

const DESKTOP = { width: 1366, height: 850 }
const PHONE = { width: 390, height: 844 }
const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots')
const PAYLOADS = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'backend', 'tests', 'xss_payloads.json'), 'utf8'),
)

async function tokenHeaders(request, email, password) {
  const login = await request.post('/api/auth/login', { data: { email, password } })
  expect(login.ok()).toBeTruthy()
  return { 'Authentication-Token': (await login.json()).token }
}

async function registerMember(request, name) {
  const email = uniqueEmail(name.toLowerCase().replace(/\W/g, ''))
  const password = 'member-password-1'
  const invitation = await createInvitationViaApi(request, email)
  const registered = await request.post('/api/auth/register', {
    data: { email, password, invitation: invitation.code, name },
  })
  expect(registered.ok()).toBeTruthy()
  return { email, password, name, headers: await tokenHeaders(request, email, password) }
}

async function createProduct(request, headers, name) {
  const response = await request.post('/api/products', { headers, data: { name, description: 'Discussed here.' } })
  expect(response.status()).toBe(201)
  return (await response.json()).product
}

/** Dialogs (alerts would mean a payload ran; confirms are answered yes) and CSP violations, for the page's life. */
async function watchPage(page) {
  const seen = { alerts: [], violations: [] }
  page.on('dialog', async (dialog) => {
    if (dialog.type() === 'confirm') return dialog.accept()
    seen.alerts.push(`${dialog.type()}: ${dialog.message()}`)
    return dialog.dismiss()
  })
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.violations.push(message.text())
  })
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`)
    })
  })
  return seen
}

const discussion = (page) => page.getByRole('region', { name: 'Discussion' })

test('post with a mention, edit, delete and the member page, on desktop and phone', async ({ page, request }) => {
  const seen = await watchPage(page)
  const suffix = Date.now().toString(36)
  const mira = await registerMember(request, `Mira ${suffix}`)
  const handle = `mira${suffix}`
  const adminHeaders = await tokenHeaders(request, admin.email, admin.password)
  const product = await createProduct(request, adminHeaders, `Green Bond ${suffix}`)

  await page.setViewportSize(DESKTOP)
  await signIn(page, admin.email, admin.password)
  await page.goto(`/products/${product.id}`)
  await expect(discussion(page).getByText('No comments yet — start the discussion')).toBeVisible()
  await snap(page, 'discussion-empty-desktop')

  const box = discussion(page).getByRole('combobox', { name: 'New comment' })
  await box.click()
  await box.pressSequentially('Coupon looks **solid**; what do you think @mira')
  const option = discussion(page).getByRole('option', { name: new RegExp(`@${handle}`) })
  await expect(option).toBeVisible()
  await snap(page, 'discussion-mention-suggestions-desktop')
  await box.press('Enter')
  await expect(box).toHaveValue(`Coupon looks **solid**; what do you think @${handle} `)
  await box.pressSequentially('?')

  await discussion(page).getByRole('tab', { name: 'Preview' }).click()
  const preview = discussion(page).getByTestId('comment-preview')
  await expect(preview.locator('strong')).toHaveText('solid')
  await expect(preview.locator('a.mention')).toHaveText(`@${handle}`)
  await discussion(page).getByRole('tab', { name: 'Write' }).click()
  await discussion(page).getByRole('button', { name: 'Comment', exact: true }).click()

  const first = discussion(page).getByTestId('comment').first()
  await expect(first.locator('a.mention')).toHaveAttribute('href', /^\/members\/\d+$/)
  await expect(box).toHaveValue('')
  const mail = await waitForMail(mira.email, /mentioned you/)
  expect(mail).toContain(`Green Bond ${suffix}`)

  await box.fill('A second thought, to be deleted.')
  await discussion(page).getByRole('button', { name: 'Comment', exact: true }).click()
  await expect(discussion(page).getByTestId('comment')).toHaveCount(2)
  await expect(discussion(page).getByText('2 comments')).toBeVisible()

  await first.getByRole('button', { name: 'Edit' }).click()
  const editor = first.getByRole('combobox', { name: 'Edit comment' })
  await editor.fill(`Coupon looks **solid** (4.1%); what do you think @${handle}?`)
  await first.getByRole('button', { name: 'Save' }).click()
  await expect(first.getByTestId('comment-edited')).toBeVisible()
  await expect(first.getByTestId('comment-body')).toContainText('(4.1%)')

  const second = discussion(page).getByTestId('comment').nth(1)
  await second.getByRole('button', { name: 'Delete comment' }).click()
  await expect(discussion(page).getByTestId('comment')).toHaveCount(1)
  await page.evaluate(() => window.scrollTo(0, 0))
  await snap(page, 'discussion-desktop')

  await page.setViewportSize(PHONE)
  await page.reload()
  await expect(discussion(page).getByTestId('comment')).toHaveCount(1)
  await expect(discussion(page).getByTestId('comment-edited')).toBeVisible()
  await snap(page, 'discussion-phone')

  // The product list counts the discussion.
  const listed = await (await request.get(`/api/products?q=${encodeURIComponent(product.name)}`, { headers: adminHeaders })).json()
  expect(listed.items.find((p) => p.id === product.id).comment_count).toBe(1)

  await first.locator('a.mention').click()
  await expect(page).toHaveURL(/\/members\/\d+$/)
  await expect(page.getByRole('heading', { name: mira.name })).toBeVisible()
  await expect(page.getByText(`@${handle}`)).toBeVisible()

  expect(seen.alerts).toEqual([])
  expect(seen.violations).toEqual([])
})

test('the XSS payload list posted as comments stays inert in Chromium', async ({ page, request }) => {
  test.setTimeout(240_000)
  const seen = await watchPage(page)
  const suffix = Date.now().toString(36)
  const adminHeaders = await tokenHeaders(request, admin.email, admin.password)
  const product = await createProduct(request, adminHeaders, `XSS Fund ${suffix}`)
  // Comment writes are limited per member and minute: the payloads are spread over a few authors.
  const authors = []
  for (let n = 0; n < Math.ceil(PAYLOADS.length / 20); n += 1) authors.push(await registerMember(request, `Xss ${n} ${suffix}`))
  for (const [index, payload] of PAYLOADS.entries()) {
    const response = await request.post(`/api/products/${product.id}/comments`, {
      headers: authors[index % authors.length].headers,
      data: { body: payload },
    })
    expect(response.status(), payload).toBe(201)
  }

  await page.setViewportSize(DESKTOP)
  await signIn(page, admin.email, admin.password)
  await page.goto(`/products/${product.id}`)
  const comments = discussion(page).getByTestId('comment')
  await expect(comments.first()).toBeVisible()
  const more = discussion(page).getByRole('button', { name: /^Load more/ })
  await expect(comments).toHaveCount(20)
  for (let shown = 20; shown < PAYLOADS.length; shown = Math.min(shown + 20, PAYLOADS.length)) {
    await expect(more).toBeEnabled()
    await more.click()
    await expect(comments).toHaveCount(Math.min(shown + 20, PAYLOADS.length))
  }
  await expect(more).toBeHidden()
  await expect(comments).toHaveCount(PAYLOADS.length)

  // Hover and click every link and give every control focus: handlers would fire now if any survived.
  const links = discussion(page).locator('[data-testid="comment-body"] a')
  for (let i = 0; i < (await links.count()); i += 1) {
    const link = links.nth(i)
    await link.hover()
    // Where the browser would really go (a percent-encoded `jav%09ascript:` is a relative path, not a scheme).
    expect(await link.evaluate((a) => a.protocol), await link.getAttribute('href')).toMatch(/^(https?|mailto):$/)
  }
  await page.waitForTimeout(500)

  const report = await page.evaluate(() => {
    const root = document.querySelector('section[aria-labelledby="discussion-title"]')
    const bodies = [...root.querySelectorAll('[data-testid="comment-body"]')]
    const active = []
    for (const body of bodies) {
      for (const el of body.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase()
        if (['script', 'iframe', 'object', 'embed', 'form', 'svg', 'math', 'style', 'link', 'meta', 'base', 'input', 'button'].includes(tag))
          active.push(`<${tag}>`)
        for (const attr of el.attributes) {
          if (/^on/i.test(attr.name) || attr.name === 'style' || attr.name === 'srcdoc' || attr.name === 'formaction')
            active.push(`${tag}[${attr.name}]`)
          if (['href', 'src'].includes(attr.name) && /^\s*(javascript|data|vbscript):/i.test(attr.value))
            active.push(`${tag}[${attr.name}=${attr.value}]`)
        }
      }
    }
    return { xss: window.__xss, parentXss: window.parent.__xss, active, count: bodies.length }
  })
  expect(report).toEqual({ xss: undefined, parentXss: undefined, active: [], count: PAYLOADS.length })
  // The page is very long with every payload: look at the first few comments in the viewport.
  await comments.nth(2).scrollIntoViewIfNeeded()
  await page.screenshot({ path: join(SCREENSHOTS, 'discussion-xss-desktop.png') })

  await page.setViewportSize(PHONE)
  await page.reload()
  await expect(comments.first()).toBeVisible()
  await comments.nth(10).scrollIntoViewIfNeeded()
  await page.screenshot({ path: join(SCREENSHOTS, 'discussion-xss-phone.png') })
  expect(await page.evaluate(() => window.__xss)).toBeUndefined()
  expect(seen.alerts).toEqual([])
  expect(seen.violations).toEqual([])
})

test.describe('accessibility', () => {
  test.use({ bypassCSP: true }) // axe-core is injected as a script

  test('the discussion with comments, an editor and mention suggestions has no serious axe violation (the section itself)', async ({
    page,
    request,
  }) => {
    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
    const suffix = Date.now().toString(36)
    await registerMember(request, `Axel ${suffix}`)
    const adminHeaders = await tokenHeaders(request, admin.email, admin.password)
    const product = await createProduct(request, adminHeaders, `Axe Note ${suffix}`)
    for (const body of ['First **point**', `Second, for @axel${suffix}`]) {
      await request.post(`/api/products/${product.id}/comments`, { headers: adminHeaders, data: { body } })
    }
    const check = async (label) => {
      await page.evaluate(axeSource)
      const results = await page.evaluate(() =>
        // eslint-disable-next-line no-undef
        axe.run('section[aria-labelledby="discussion-title"]', { resultTypes: ['violations'] }),
      )
      const serious = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
      expect(serious, label).toEqual([])
    }
    await signIn(page, admin.email, admin.password)
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport)
      await page.goto(`/products/${product.id}`)
      await expect(discussion(page).getByTestId('comment')).toHaveCount(2)
      await discussion(page).getByTestId('comment').first().getByRole('button', { name: 'Edit' }).click()
      const box = discussion(page).getByRole('combobox', { name: 'New comment' })
      await box.click()
      await box.pressSequentially('@axe')
      await expect(discussion(page).getByRole('option').first()).toBeVisible()
      await check(`discussion at ${viewport.width}px`)
    }
  })
})
