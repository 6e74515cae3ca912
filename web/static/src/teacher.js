// Entry point of the teacher page (/teach/{template}): the template's copies, one per student,
// paged from /api/sessions/{template}/copies, each with a read-only live thumbnail.
//
// Thumbnails use the terminal WebSocket's watch mode (docs/protocol.md): a watcher is not a
// person, does not keep a copy's kernel running, and never starts a stopped one (it shows the
// screen saved at the stop). Only thumbnails on screen connect, MAX_LIVE at most, so a class
// of hundreds costs a dozen sockets and xterm.js instances.

import { readConfig, wsUrl } from './config.js'
import { TerminalClient } from './terminal.js'
import { fillIcons } from './icons.js'
import { applyTheme, copyText, initialTheme, toast } from './ui.js'

const PAGE = 48 // copies per page
const MAX_LIVE = 12 // thumbnails connected at once
const REFRESH_MS = 5000 // the list's running / people / activity figures

const $ = (sel, root = document) => root.querySelector(sel)
const config = readConfig()
let theme = initialTheme(config.theme)
applyTheme(theme)
fillIcons()

const grid = $('.class-grid')
const cards = new Map() // copy id -> Card
const visible = new Set() // cards on screen
const live = new Map() // copy id -> TerminalClient (connected thumbnails)
let offset = 0
let total = 0

const ago = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
function since (seconds) {
  const d = seconds - Date.now() / 1000
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60]]) {
    if (Math.abs(d) >= size) return ago.format(Math.round(d / size), unit)
  }
  return 'just now'
}

const nameOf = (copy) => copy.label || `Student ${copy.id.slice(0, 4)}`

class Card {
  constructor (copy) {
    this.el = document.createElement('article')
    this.el.className = 'copy-card'
    this.el.dataset.id = copy.id
    this.el.innerHTML = `
      <div class="copy-head"><span class="copy-label"></span><span class="copy-state"></span></div>
      <button class="thumb" title="Watch large"><div class="thumb-screen"></div><span class="thumb-idle">live while on screen</span></button>
      <div class="copy-foot"><span class="copy-people"></span><span class="copy-times"></span>
        <a class="btn small join" target="_blank" rel="noopener" title="Type into this copy (starts it if stopped)">Join ↗</a></div>`
    $('.thumb', this.el).addEventListener('click', () => openWatch(this.copy))
    this.update(copy)
  }

  update (copy) {
    this.copy = copy
    $('.copy-label', this.el).textContent = nameOf(copy)
    $('.copy-label', this.el).classList.toggle('unnamed', !copy.label)
    const state = $('.copy-state', this.el)
    state.textContent = copy.running ? 'running' : 'stopped'
    state.dataset.running = copy.running
    $('.copy-people', this.el).textContent = copy.people === 1 ? '1 person' : `${copy.people} people`
    $('.copy-times', this.el).textContent = `started ${since(copy.created)} · active ${copy.people ? 'now' : since(copy.last_active)}`
    $('.copy-times', this.el).title = `created ${new Date(copy.created * 1000).toLocaleString()}\nlast activity ${new Date(copy.last_active * 1000).toLocaleString()}`
    $('.join', this.el).href = copy.edit_url
  }
}

// -- thumbnails: connect the first MAX_LIVE visible cards, in page order ---------------------

function connectThumb (card) {
  const host = $('.thumb-screen', card.el)
  const client = new TerminalClient(host, { url: wsUrl(card.copy.watch_url), theme, readOnly: true })
  const scale = () => {
    const screen = $('.xterm-screen', host)
    if (!screen || !screen.offsetWidth) return
    const box = $('.thumb', card.el)
    host.style.transform = `scale(${Math.min(box.clientWidth / screen.offsetWidth, box.clientHeight / screen.offsetHeight)})`
  }
  for (const ev of ['hello', 'size']) client.addEventListener(ev, () => requestAnimationFrame(scale))
  client.addEventListener('hello', (e) => { card.el.dataset.watch = e.detail.running === false ? 'saved' : 'live' })
  client.connect()
  card.el.classList.add('live')
  live.set(card.copy.id, client)
}

function disconnectThumb (id) {
  const client = live.get(id)
  live.delete(id)
  client.close()
  client.term.dispose()
  const card = cards.get(id)
  if (card) {
    card.el.classList.remove('live')
    delete card.el.dataset.watch
    $('.thumb-screen', card.el).replaceChildren()
  }
}

let balancing = 0
function rebalance () {
  cancelAnimationFrame(balancing)
  balancing = requestAnimationFrame(() => {
    const wanted = [...cards.values()].filter((c) => visible.has(c)).slice(0, MAX_LIVE)
    const keep = new Set(wanted.map((c) => c.copy.id))
    for (const id of [...live.keys()]) if (!keep.has(id)) disconnectThumb(id)
    for (const card of wanted) if (!live.has(card.copy.id)) connectThumb(card)
  })
}

const observer = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const card = cards.get(e.target.dataset.id)
    if (!card) continue
    if (e.isIntersecting) visible.add(card)
    else visible.delete(card)
  }
  rebalance()
})

// -- the list ---------------------------------------------------------------------------------

async function load () {
  const url = `${config.copiesUrl}?limit=${PAGE}&offset=${offset}`
  const resp = await fetch(url, { headers: { Authorization: `Bearer ${config.token}` } })
  if (!resp.ok) throw new Error(`${resp.status} ${await resp.text()}`)
  const body = await resp.json()
  total = body.total
  const ids = body.copies.map((c) => c.id)
  if (ids.join() !== [...cards.keys()].join()) { // another page, or students joined
    for (const id of [...cards.keys()]) if (!ids.includes(id)) drop(id)
    for (const copy of body.copies) {
      if (!cards.has(copy.id)) {
        const card = new Card(copy)
        cards.set(copy.id, card)
        observer.observe(card.el)
      }
    }
    grid.replaceChildren(...ids.map((id) => cards.get(id).el))
    const ordered = new Map(ids.map((id) => [id, cards.get(id)]))
    cards.clear()
    for (const [id, card] of ordered) cards.set(id, card)
  }
  for (const copy of body.copies) cards.get(copy.id).update(copy)
  $('.class-count').textContent = total === 1 ? '1 copy' : `${total} copies`
  $('.class-range').textContent = total ? `${offset + 1}–${offset + ids.length} of ${total}` : ''
  $('[data-act=prev]').disabled = offset === 0
  $('[data-act=next]').disabled = offset + PAGE >= total
  $('.class-pager').hidden = total <= PAGE
  $('.class-empty').hidden = total > 0
  rebalance()
}

function drop (id) {
  const card = cards.get(id)
  observer.unobserve(card.el)
  visible.delete(card)
  if (live.has(id)) disconnectThumb(id)
  cards.delete(id)
}

function refresh () {
  load().catch((e) => toast(`Could not list the copies: ${e.message}`, 'error'))
}

$('[data-act=prev]').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); refresh() })
$('[data-act=next]').addEventListener('click', () => { offset += PAGE; refresh() })
setInterval(() => { if (!document.hidden) refresh() }, REFRESH_MS)
refresh()

// -- watching one copy large ------------------------------------------------------------------

const dialog = $('.watch-dialog')
let watcher = null

function openWatch (copy) {
  closeWatch()
  $('.watch-title', dialog).textContent = nameOf(copy)
  $('.copy-state', dialog).textContent = copy.running ? 'running' : 'stopped: its last screen'
  $('[data-act=open-view]', dialog).href = copy.view_url
  $('[data-act=open-edit]', dialog).href = copy.edit_url
  dialog.showModal()
  watcher = new TerminalClient($('.watch-screen', dialog), { url: wsUrl(copy.watch_url), theme, readOnly: true })
  watcher.copyId = copy.id
  watcher.connect()
}

function closeWatch () {
  if (!watcher) return
  watcher.close()
  watcher.term.dispose()
  $('.watch-screen', dialog).replaceChildren()
  watcher = null
}

$('[data-act=close-watch]').addEventListener('click', () => dialog.close())
dialog.addEventListener('close', closeWatch)

// -- header -----------------------------------------------------------------------------------

$('[data-act=copy-template]').addEventListener('click', async () => {
  const done = 'Student link copied: each student who opens it gets their own copy (add &name=… to label it).'
  toast((await copyText(config.templateUrl)) ? done : 'Could not copy: ' + config.templateUrl)
})
$('[data-act=theme]').addEventListener('click', () => {
  theme = theme === 'dark' ? 'light' : 'dark'
  applyTheme(theme, true)
  for (const client of [...live.values(), watcher].filter(Boolean)) client.setTheme(theme)
})

// Handy in the browser console and for the end-to-end tests.
window.cowasm = { config, cards, live, get watcher () { return watcher }, refresh }
