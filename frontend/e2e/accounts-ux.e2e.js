// Accounts as a new user meets them: every field problem at once and in words, the browser's time
// zone as the default, a searchable time-zone field, a member told why an admin page is closed,
// and a proper not-found page with a way back.
import { createInvitationViaApi, expect, signIn, snap, test, uniqueEmail } from './fixtures.js'

test.describe('a new user in Paris', () => {
  test.use({ timezoneId: 'Europe/Paris' })

  test('register: all errors at once, then the browser time zone becomes the default', async ({ page, request }) => {
    const email = uniqueEmail('paris')
    const invitation = await createInvitationViaApi(request, email)
    await page.goto(`/register?code=${invitation.code}`)
    await page.getByRole('button', { name: 'Create account' }).click()
    // The invitation filled in (and locked) the address; the rest is listed at once, in words.
    await expect(page.getByLabel('Email')).toHaveValue(email)
    await expect(page.getByText('Choose a password.')).toBeVisible()
    await expect(page.getByText('Type the password again.')).toBeVisible()
    await snap(page, 'register-errors-desktop')

    await page.getByLabel('Password', { exact: true }).fill('member-password-1')
    await page.getByLabel('Confirm password').fill('member-password-1')
    await page.getByRole('button', { name: 'Create account' }).click()
    await expect(page.locator('.app-shell')).toBeVisible()

    await page.goto('/settings')
    const zone = page.getByLabel('Time zone')
    await expect(zone).toHaveValue('Europe/Paris')
    // Searchable: the field offers the zones as suggestions; a made-up one is refused in words.
    expect(await page.locator('datalist option[value="Asia/Tokyo"]').count()).toBe(1)
    await zone.fill('Atlantis/Lost')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await expect(page.getByText('Choose a time zone from the list')).toBeVisible()
    await zone.fill('Asia/Tokyo')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await expect(page.getByText('Choose a time zone from the list')).toHaveCount(0)
    await expect(page.getByRole('button', { name: /Use this device’s time zone \(Europe\/Paris\)/ })).toBeVisible()
    await snap(page, 'settings-timezone-desktop')
  })
})

test('a member opening an admin page is told why; missing pages offer a way back', async ({ page, request }) => {
  const email = uniqueEmail('member-ux')
  const invitation = await createInvitationViaApi(request, email)
  const registered = await request.post('/api/auth/register', {
    data: { email, password: 'member-password-1', invitation: invitation.code },
  })
  expect(registered.ok()).toBeTruthy()
  await signIn(page, email, 'member-password-1')

  await page.goto('/admin/users')
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible()
  await expect(page.getByText(/The “Users” page is for the admins of this workspace/)).toBeVisible()
  await snap(page, 'member-admin-page-desktop')
  await page.getByRole('link', { name: 'Go to Trackbase' }).click()
  await expect(page.getByRole('heading', { name: 'Trackers', exact: true })).toBeVisible()

  await page.goto('/trackers/987654')
  await expect(page.getByRole('heading', { name: 'Tracker not found' })).toBeVisible()
  await snap(page, 'tracker-not-found-desktop')
  await page.getByRole('link', { name: 'Back to your trackers' }).click()
  await expect(page).toHaveURL(/\/trackers$/)

  await page.goto('/no/such/page')
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
})
