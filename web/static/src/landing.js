// Entry point of the landing page: "New session" creates one and opens its edit link. When the
// server guards creation (--create-policy), the page shows why and asks for the admin token,
// sent as a Bearer header; a refusal shows the server's own message.

import { applyTheme, initialTheme } from './ui.js'

applyTheme(initialTheme(null))
const button = document.querySelector('[data-act="new-session"]')
const form = document.querySelector('[data-act="admin-form"]')
const errorBox = document.querySelector('[data-role="create-error"]')

async function reason (res) {
  try {
    const body = await res.json()
    if (body.message) return body.message
  } catch {}
  return `the server answered ${res.status} ${res.statusText}`
}

async function create (adminToken) {
  button.disabled = true
  errorBox.hidden = true
  try {
    const headers = adminToken ? { Authorization: `Bearer ${adminToken}` } : {}
    const res = await fetch('/api/sessions', { method: 'POST', headers })
    if (!res.ok) throw new Error(await reason(res))
    location.assign((await res.json()).edit_url)
  } catch (err) {
    errorBox.textContent = `Could not create a session: ${err.message}`
    errorBox.hidden = false
    button.disabled = false
  }
}

if (form) {
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    create(form.elements['admin-token'].value.trim())
  })
} else {
  button.addEventListener('click', () => create(null))
}
