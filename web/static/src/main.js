// Entry point of the full session page: header, file tree, editor and terminal.

import { readConfig } from './config.js'
import { FileStore, TREE_FULL } from './files.js'
import { TreeView } from './tree.js'
import { LazyEditor } from './lazy-editor.js'
import { Presence, setAwarenessUser } from './presence.js'
import { bindShare } from './share.js'
import { bindPaneToggles, bindSplitters, bindTabs } from './layout.js'
import { fillIcons } from './icons.js'
import { applyTheme, initialTheme, toast } from './ui.js'
import { makeTerminal, rememberName, showGone, showStatus } from './session.js'

const $ = (sel) => document.querySelector(sel)
const config = readConfig()
const canEdit = config.role === 'writer' && !config.readonly
let theme = initialTheme(config.theme)
applyTheme(theme)
fillIcons()
bindShare($('.share'), config)
bindSplitters($('.workspace'))
const revealPane = bindPaneToggles($('.workspace'), document.querySelectorAll('[data-pane]'))
const showTab = bindTabs($('.workspace'), document.querySelectorAll('.tabs [data-tab]'))

// Files: the Y.Doc, the tree panel and the editor all share one FileStore.
const store = new FileStore(config)
const editor = new LazyEditor($('.editor-pane'), store, { // CodeMirror loads on the first open
  readOnly: !canEdit,
  onDownload: (path) => tree.download(path),
  onMoved: (path) => openFile(path),
  onPath: showRun,
  onRun: runFile
})
const tree = new TreeView($('.tree-pane'), store, { canEdit, onOpen: openFile })

// Run: the server types `python3 <file>` (or `sh`) at the shell's prompt, for writers.
const runButton = $('[data-act="run"]')
const runnable = (path) => canEdit && /\.(py|sh)$/i.test(path ?? '')
function showRun (path) {
  runButton.hidden = !runnable(path)
  runButton.onclick = () => runFile(path)
}
function runFile (path) {
  if (!runnable(path)) return false // Mod-Enter then does what it does in any editor
  term.runFile(path)
  showTab('term')
  term.focus() // the program may want input
  return true
}

function openFile (path) {
  revealPane('editor')
  showTab('editor')
  editor.open(path)
  tree.setActive(path)
  history.replaceState(null, '', '#' + encodeURIComponent(path))
}

const followFiles = () => editor.refresh()
store.tree.observeDeep(followFiles)
store.files.observe(followFiles)
store.provider.once('sync', () => { // reopen the file named in the URL once the tree arrived
  const path = decodeURIComponent(location.hash.slice(1))
  if (path && store.exists(path)) openFile(path)
})

// Terminal and presence.
const status = $('.status-dot')
store.provider.on('status', ({ status: s }) => showStatus(status, 'files', s === 'connected' ? 'open' : s === 'connecting' ? 'connecting' : 'closed'))
store.provider.on('closed', ({ code }) => { // 44xx: the provider does not reconnect
  if (code !== TREE_FULL) return showStatus(status, 'files', 'failed')
  showStatus(status, 'files', 'full') // our doc holds the refused edit: only a reload resyncs
  toast('The file tree is full: your last edit was not saved. Reload the page to go on editing.', 'error')
})
const term = makeTerminal($('.term-host'), config, theme)
let me = { name: '', color: '#7aa2f7' }
let people = []
const presence = new Presence($('.presence'), {
  onRename (name) {
    rememberName(name)
    term.setName(name)
    setAwarenessUser(store.awareness, name, me.color)
  }
})
term.addEventListener('status', (e) => {
  showStatus(status, 'terminal', e.detail.state)
  if (e.detail.state !== 'failed') return
  showGone($('.topbar .badge'), e.detail) // deleted or no access: nothing here works any more
  document.body.classList.add('gone')
  for (const pane of document.querySelectorAll('.tree-pane, .editor-pane')) pane.inert = true
  runButton.hidden = true
})
term.addEventListener('hello', (e) => {
  me = e.detail
  presence.setSelf(me.client)
  setAwarenessUser(store.awareness, me.name, me.color)
})
term.addEventListener('viewers', (e) => {
  people = e.detail.clients
  showSize()
  presence.update(e.detail.clients)
  const mine = e.detail.clients.find((c) => c.id === me.client)
  if (mine && mine.name !== me.name) { // the server may adjust our name
    me = { ...me, name: mine.name }
    setAwarenessUser(store.awareness, mine.name, me.color)
  }
})
term.addEventListener('notice', (e) => toast(e.detail.message))
// The size, and whose window sets it when that is not ours (the size rule: who typed last).
function showSize () {
  const { cols, rows } = term.term
  const by = term.sizeBy && term.sizeBy !== me.client && people.find((c) => c.id === term.sizeBy)
  $('.term-size').textContent = `${cols}×${rows}` + (by ? ` · ${by.name}'s window` : '')
}
term.addEventListener('size', showSize)
term.addEventListener('hello', showSize)
term.connect()
term.focus()

$('[data-act="theme"]').addEventListener('click', () => {
  theme = theme === 'dark' ? 'light' : 'dark'
  applyTheme(theme, true)
  term.setTheme(theme)
})

// Handy in the browser console and for the end-to-end tests.
window.cowasm = { config, store, editor, tree, term }
