// Who is here: coloured chips built from the terminal socket's `viewers` messages, and the
// matching awareness state ({user: {name, color, colorLight}}) that labels our editor cursor.

import { escapeHtml } from './ui.js'
import { icon } from './icons.js'

const MAX_CHIPS = 6

export class Presence {
  /** @param {HTMLElement} el @param {{onRename: (name: string) => void}} opts */
  constructor (el, { onRename }) {
    this.el = el
    this.self = null
    this.onRename = onRename
    el.addEventListener('click', (ev) => {
      if (!ev.target.closest('.chip.self')) return
      const name = prompt('Your name, as others see it:', this.selfName || '')?.trim()
      if (name) this.onRename(name.slice(0, 40))
    })
  }

  setSelf (clientId) { this.self = clientId }

  /** @param {{id: string, name: string, color: string, role: string}[]} clients */
  update (clients) {
    const me = clients.find((c) => c.id === this.self)
    this.selfName = me?.name
    // Ourselves first, then writers, then viewers.
    const order = (c) => (c.id === this.self ? 0 : c.role === 'writer' ? 1 : 2)
    const sorted = [...clients].sort((a, b) => order(a) - order(b))
    const shown = sorted.slice(0, MAX_CHIPS)
    this.el.innerHTML = shown.map((c) => {
      const self = c.id === this.self
      const title = `${c.name}${self ? ' (you, click to rename)' : ''} — ${c.role === 'writer' ? 'can edit' : 'viewing'}`
      return `<span class="chip${self ? ' self' : ''}${c.role === 'writer' ? '' : ' viewer'}" style="--c:${escapeHtml(c.color)}" title="${escapeHtml(title)}">` +
        `<span class="avatar">${escapeHtml(initials(c.name))}</span><span class="chip-name">${escapeHtml(c.name)}${self ? ' (you)' : ''}</span>` +
        `${c.role === 'writer' ? '' : icon('eye', 'icon viewer-eye')}</span>`
    }).join('') + (sorted.length > MAX_CHIPS ? `<span class="chip more">+${sorted.length - MAX_CHIPS}</span>` : '')
  }
}

function initials (name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean)
  return ((words[0]?.[0] || '?') + (words[1]?.[0] || '')).toUpperCase()
}

/** Publishes our name and colour for remote cursors (y-codemirror.next reads `user`). */
export function setAwarenessUser (awareness, name, color) {
  const colorLight = /^#[0-9a-f]{6}$/i.test(color) ? color + '33' : color
  awareness.setLocalStateField('user', { name, color, colorLight })
}
