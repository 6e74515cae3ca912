// Small page helpers shared by every page: toasts, clipboard, theme.

let toastBox = null

/** Shows a short message at the bottom of the page. */
export function toast (message, kind = 'info') {
  if (!toastBox) {
    toastBox = document.createElement('div')
    toastBox.className = 'toasts'
    toastBox.setAttribute('role', 'status')
    document.body.append(toastBox)
  }
  const el = document.createElement('div')
  el.className = `toast ${kind}`
  el.textContent = message
  toastBox.append(el)
  const shown = Math.max(2200, 50 * message.length) // time to read it
  setTimeout(() => el.classList.add('fade'), shown)
  setTimeout(() => el.remove(), shown + 400)
}

/** Copies text; falls back to execCommand where the Clipboard API is unavailable (plain http). */
export async function copyText (text) {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const ta = document.createElement('textarea')
    ta.value = text
    ta.style.cssText = 'position:fixed;opacity:0'
    document.body.append(ta)
    ta.select()
    const ok = document.execCommand('copy')
    ta.remove()
    return ok
  }
}

const THEME_KEY = 'cowasm-theme'

/** The theme to start with: the user's last choice, else the page's config, else the OS setting. */
export function initialTheme (configured) {
  const saved = localStorage.getItem(THEME_KEY)
  if (saved === 'dark' || saved === 'light') return saved
  if (configured === 'dark' || configured === 'light') return configured
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark'
}

export function applyTheme (name, remember = false) {
  document.documentElement.dataset.theme = name
  if (remember) localStorage.setItem(THEME_KEY, name)
}

export function escapeHtml (s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
}
