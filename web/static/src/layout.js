// Draggable gutters between the three panes (wide screens only; phones stack the panes).
// Widths are CSS variables on the workspace, remembered per browser.

const KEY = 'cowasm-layout'
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
