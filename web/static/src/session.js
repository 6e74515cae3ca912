// Things both the full page and the embed page do with the terminal and the header.

import { TerminalClient } from './terminal.js'
import { bindBanner } from './banner.js'
import { wsUrl, withParams } from './config.js'

const NAME_KEY = 'cowasm-name'

export function rememberedName (config) {
  return localStorage.getItem(NAME_KEY) || config.name || ''
}

export function rememberName (name) {
  localStorage.setItem(NAME_KEY, name)
}

/** Creates the terminal client for this page's session (not yet connected), with its banner. */
export function makeTerminal (host, config, theme) {
  const url = withParams(wsUrl(config.termUrl), { token: config.token, name: rememberedName(config) })
  const term = new TerminalClient(host, { url, theme, readOnly: Boolean(config.readonly) })
  bindBanner(host, term)
  return term
}

/** After a fatal close: the page says why and takes no more input (badge, panes). */
export function showGone (badge, detail) {
  if (!badge) return
  badge.textContent = { 4404: 'Deleted', 403: 'Gone' }[detail.code] ?? 'No access'
  badge.className = 'badge role-gone'
  badge.title = detail.message
}

const TEXTS = {
  open: 'connected',
  connecting: 'connecting…',
  closed: 'disconnected, retrying…',
  failed: 'session deleted or access refused',
  full: 'file tree full, last edit not saved: reload the page'
}
const states = new Map() // dot -> {channel: state}

/** Shows the worst state of a page's connections ("terminal", "files") on a status dot. */
export function showStatus (dot, channel, state) {
  if (!states.has(dot)) states.set(dot, {})
  const all = Object.assign(states.get(dot), { [channel]: state })
  const values = Object.values(all)
  dot.dataset.state = ['failed', 'full', 'closed', 'connecting', 'open'].find((s) => values.includes(s))
  dot.title = Object.entries(all).map(([k, v]) => `${k}: ${TEXTS[v]}`).join('\n')
}
