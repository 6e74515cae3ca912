// Entry point of the landing page: "New session" creates one and opens its edit link.

import { applyTheme, initialTheme, toast } from './ui.js'

applyTheme(initialTheme(null))
const button = document.querySelector('[data-act="new-session"]')
button.addEventListener('click', async () => {
  button.disabled = true
  try {
    const res = await fetch('/api/sessions', { method: 'POST' })
    if (!res.ok) throw new Error(`could not create a session: ${res.status} ${res.statusText}`)
    location.assign((await res.json()).edit_url)
  } catch (err) {
    toast(err.message, 'error')
    button.disabled = false
  }
})
