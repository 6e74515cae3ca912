// Entry point of the embed page: just the terminal, plus a postMessage API for the host page:
//   to the parent:   {type: "cowasm:ready", session}, {type: "cowasm:exit", status}
//   from the parent: {type: "cowasm:run", command} types the command and Enter (writers only)
// `?cmd=` (config.cmd) is typed once per browser tab, so reloading the page does not repeat it.
// (Template copies get their cmd from the server instead, at the copy's first start.)

import { readConfig } from './config.js'
import { fillIcons } from './icons.js'
import { applyTheme } from './ui.js'
import { makeTerminal, showGone, showStatus } from './session.js'

const config = readConfig()
let theme = config.theme === 'light' ? 'light' : 'dark' // the embedding page decides
applyTheme(theme)
fillIcons()

const term = makeTerminal(document.querySelector('.term-host'), config, theme)
const post = (msg) => window.parent !== window && window.parent.postMessage(msg, '*')
let announced = false
term.addEventListener('hello', () => {
  if (!announced) post({ type: 'cowasm:ready', session: config.session })
  announced = true
  const key = `cowasm-cmd:${config.session}:${config.cmd}`
  if (config.cmd && term.isWriter && !sessionStorage.getItem(key)) {
    sessionStorage.setItem(key, '1')
    term.run(config.cmd)
  }
})
term.addEventListener('exit', (e) => post({ type: 'cowasm:exit', status: e.detail.status }))
term.addEventListener('status', (e) => {
  showStatus(document.querySelector('.status-dot'), 'terminal', e.detail.state)
  if (e.detail.state !== 'failed') return
  const bar = document.querySelector('.embed-bar')
  if (!bar.querySelector('.badge')) bar.querySelector('.embed-title').insertAdjacentHTML('afterend', '<span class="badge"></span>')
  showGone(bar.querySelector('.badge'), e.detail)
})

window.addEventListener('message', (ev) => {
  if (ev.source !== window.parent) return // only the page that embeds us may drive the shell
  const msg = ev.data
  if (msg?.type === 'cowasm:run' && typeof msg.command === 'string') term.run(msg.command)
})

document.querySelector('[data-act="theme"]')?.addEventListener('click', () => {
  theme = theme === 'dark' ? 'light' : 'dark'
  applyTheme(theme)
  term.setTheme(theme)
})

term.connect()
window.cowasm = { config, term }
