import { admin, createInvitationViaApi, expect, signIn, test, uniqueEmail } from './fixtures.js'

async function registerMember(request) {
  const email = uniqueEmail('staff')
  const password = 'member-password-1'
  const invitation = await createInvitationViaApi(request, email)
  const response = await request.post('/api/auth/register', { data: { email, password, invitation: invitation.code } })
  expect(response.ok()).toBeTruthy()
  return { email, password }
}

test('a member deactivated by an admin is sent back to the login page', async ({ browser, request, baseURL }) => {
  const member = await registerMember(request)
  const memberContext = await browser.newContext({ baseURL })
  const memberPage = await memberContext.newPage()
  await signIn(memberPage, member.email, member.password)
  await expect(memberPage.getByRole('heading', { name: 'Trackers', exact: true })).toBeVisible()

  const adminContext = await browser.newContext({ baseURL })
  const adminPage = await adminContext.newPage()
  await signIn(adminPage, admin.email, admin.password)
  await adminPage.goto('/admin/users')
  const row = adminPage.locator(`tr[data-email="${member.email}"]`)
  await expect(row).toContainText('Active')
  adminPage.once('dialog', (dialog) => dialog.accept())
  await row.getByRole('button', { name: 'Deactivate' }).click()
  await expect(row).toContainText('Deactivated')
  await expect(row.getByRole('button', { name: 'Reactivate' })).toBeVisible()

  // The member's next API call is refused; the app signs them out and keeps where they were going.
  await memberPage.getByRole('link', { name: 'Jobs' }).click()
  await expect(memberPage).toHaveURL(/\/login\?next=(%2F|\/)jobs$/)
  await memberPage.getByLabel('Email').fill(member.email)
  await memberPage.getByLabel('Password', { exact: true }).fill(member.password)
  await memberPage.getByRole('button', { name: 'Sign in' }).click()
  await expect(memberPage.locator('.app-banner[role="alert"]')).toBeVisible()

  // Reactivated, they can sign in again.
  await row.getByRole('button', { name: 'Reactivate' }).click()
  await expect(row).toContainText('Active')
  await memberPage.getByRole('button', { name: 'Sign in' }).click()
  await expect(memberPage).toHaveURL(/\/jobs$/)

  await memberContext.close()
  await adminContext.close()
})

test('an admin makes a member an admin, who then sees the Admin section', async ({ browser, request, baseURL }) => {
  const member = await registerMember(request)
  const adminContext = await browser.newContext({ baseURL })
  const adminPage = await adminContext.newPage()
  await signIn(adminPage, admin.email, admin.password)
  await adminPage.goto('/admin/users')
  const row = adminPage.locator(`tr[data-email="${member.email}"]`)
  await row.getByRole('combobox').selectOption('admin')
  await expect(adminPage.getByRole('status').filter({ hasText: 'is now an admin' })).toBeVisible()
  await adminPage.reload()
  await expect(adminPage.locator(`tr[data-email="${member.email}"]`).getByRole('combobox')).toHaveValue('admin')

  const memberContext = await browser.newContext({ baseURL })
  const memberPage = await memberContext.newPage()
  await signIn(memberPage, member.email, member.password)
  await memberPage.getByRole('link', { name: 'Admin' }).click()
  await expect(memberPage).toHaveURL(/\/admin\/invitations$/)

  await memberContext.close()
  await adminContext.close()
})

test('a member cannot open the admin pages', async ({ page, request }) => {
  const member = await registerMember(request)
  await signIn(page, member.email, member.password)
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0)
  await page.goto('/admin/users')
  await expect(page).toHaveURL(/\/not-allowed\?/)
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible()
})

test('the admin outbox lists queued email and has nothing failed', async ({ page, request }) => {
  const email = uniqueEmail('outbox')
  await createInvitationViaApi(request, email) // its email goes through the outbox
  await signIn(page, admin.email, admin.password)
  await page.goto('/admin/invitations')
  await page.getByRole('link', { name: 'Outbox' }).click()
  await expect(page).toHaveURL(/\/admin\/outbox$/)
  await expect(page.getByText('Nothing failed')).toBeVisible()
  await page.getByLabel('Filter by status').selectOption('')
  const row = page.locator('tr', { hasText: `Email to ${email}` })
  await expect(row).toBeVisible()
  await expect(row).toContainText(/Delivered|Queued/)
  await expect(row.getByRole('button', { name: 'Retry' })).toHaveCount(0)
})
