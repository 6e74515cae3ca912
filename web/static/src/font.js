// The terminal's font: JetBrains Mono, bundled from npm (its @font-face rules come with
// app.css), so the cell is measured from one known font and not from whatever the system has.

export const TERM_FONT = '"JetBrains Mono", monospace'
const FACES = ['400 14px "JetBrains Mono"', '700 14px "JetBrains Mono"']
const WAIT_MS = 3000 // a font that does not come is no reason to have no terminal

/** Resolves once the regular and bold faces are usable (or after WAIT_MS). */
export function fontsLoaded () {
  if (!document.fonts) return Promise.resolve()
  const loads = Promise.all(FACES.map((face) => document.fonts.load(face))).catch(() => {})
  return Promise.race([loads, new Promise((resolve) => setTimeout(resolve, WAIT_MS))])
}
