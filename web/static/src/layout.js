// The workspace's layout: draggable gutters between the three panes and buttons that hide the
// file tree or the editor (wide screens), tabs that show one pane at a time (phones).
// Widths and hidden panes are remembered per browser.

const KEY = 'cowasm-layout'
const HIDDEN_KEY = 'cowasm-hidden-panes'
const MIN = 140

/** @param {HTMLElement} workspace grid with .gutter[data-gutter="tree"|"editor"] children */
export function bindSplitters (workspace) {
  const saved = JSON.parse(localStorage.getItem(KEY) || '{}')
  for (const [name, px] of Object.entries(saved)) workspace.style.setProperty(`--${name}-w`, `${px}px`)

  for (const gutter of workspace.querySelectorAll('.gutter')) {
    const name = gutter.dataset.gutter // the pane left of the gutter
    const pane = gutter.previousElementSibling
    gutter.addEventListener('pointerdown', (ev) => {
      ev.preventDefault()
      gutter.setPointerCapture(ev.pointerId)
      const startX = ev.clientX
      const startW = pane.getBoundingClientRect().width
      const maxW = workspace.getBoundingClientRect().width - 2 * MIN
      workspace.classList.add('dragging')
      const move = (e) => {
        const w = Math.max(MIN, Math.min(maxW, startW + e.clientX - startX))
        workspace.style.setProperty(`--${name}-w`, `${Math.round(w)}px`)
      }
      const up = () => {
        gutter.removeEventListener('pointermove', move)
        workspace.classList.remove('dragging')
        saved[name] = Math.round(pane.getBoundingClientRect().width)
        localStorage.setItem(KEY, JSON.stringify(saved))
      }
      gutter.addEventListener('pointermove', move)
      gutter.addEventListener('pointerup', up, { once: true })
      gutter.addEventListener('pointercancel', up, { once: true })
    })
    gutter.addEventListener('dblclick', () => { // back to the default width
      workspace.style.removeProperty(`--${name}-w`)
      delete saved[name]
      localStorage.setItem(KEY, JSON.stringify(saved))
    })
  }
}

/** Buttons [data-pane="tree"|"editor"] hide or show that pane (class hide-<pane>).
 * Returns reveal(name), which shows a hidden pane again. */
export function bindPaneToggles (workspace, buttons) {
  const hidden = new Set(JSON.parse(localStorage.getItem(HIDDEN_KEY) || '[]'))
  const apply = () => {
    for (const button of buttons) {
      const name = button.dataset.pane
      workspace.classList.toggle(`hide-${name}`, hidden.has(name))
      button.setAttribute('aria-pressed', String(!hidden.has(name)))
    }
  }
  const set = (name, hide) => {
    if (hide) hidden.add(name)
    else hidden.delete(name)
    localStorage.setItem(HIDDEN_KEY, JSON.stringify([...hidden]))
    apply()
  }
  for (const button of buttons) button.addEventListener('click', () => set(button.dataset.pane, !hidden.has(button.dataset.pane)))
  apply()
  return (name) => hidden.has(name) && set(name, false) // reveal a hidden pane
}

/** Phone tabs [data-tab="tree"|"editor"|"term"]: the workspace shows that pane only.
 * Returns show(name), for the page to switch when the user's action needs another pane. */
export function bindTabs (workspace, tabs) {
  const show = (name) => {
    workspace.dataset.tab = name
    for (const tab of tabs) tab.setAttribute('aria-selected', String(tab.dataset.tab === name))
  }
  for (const tab of tabs) tab.addEventListener('click', () => show(tab.dataset.tab))
  return show
}
