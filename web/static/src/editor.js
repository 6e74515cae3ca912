// The collaborative editor: CodeMirror 6 bound to one Y.Text of the session's `files` map via
// y-codemirror.next, which also draws other people's cursors from the awareness states.

import * as Y from 'yjs'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'
import { Compartment, EditorState } from '@codemirror/state'
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, drawSelection, dropCursor, rectangularSelection, crosshairCursor
} from '@codemirror/view'
import { defaultKeymap, indentWithTab } from '@codemirror/commands'
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search'
import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete'
import {
  bracketMatching, foldGutter, foldKeymap, indentOnInput, indentUnit, syntaxHighlighting,
  HighlightStyle, StreamLanguage
} from '@codemirror/language'
import { tags as t } from '@lezer/highlight'
import { escapeHtml } from './ui.js'

// Language modes are chunks of their own, loaded when a file needs one (markdown's alone is
// larger than the rest of the editor): the file opens at once and its highlighting follows.
const LANGUAGES = {
  python: () => import('@codemirror/lang-python').then((m) => m.python()),
  shell: () => import('@codemirror/legacy-modes/mode/shell').then((m) => StreamLanguage.define(m.shell)),
  markdown: () => import('@codemirror/lang-markdown').then((m) => m.markdown())
}
const loadedLanguages = new Map()

/** The language mode for a file name, as a promise of its extension (null when plain text). */
function languageFor (path) {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase()
  let name = null
  if (ext === 'py' || ext === 'pyi') name = 'python'
  else if (ext === 'sh' || ext === 'bash' || path.endsWith('.profile') || path.endsWith('.bashrc')) name = 'shell'
  else if (ext === 'md' || ext === 'markdown') name = 'markdown'
  if (!name) return null
  if (!loadedLanguages.has(name)) loadedLanguages.set(name, LANGUAGES[name]())
  return loadedLanguages.get(name)
}

// Colours come from CSS variables, so switching the page theme restyles the editor for free.
const theme = EditorView.theme({
  '&': { height: '100%', color: 'var(--fg)', backgroundColor: 'var(--editor-bg)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--editor-bg)', color: 'var(--faint)', border: 'none' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)', color: 'var(--muted)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection':
    { backgroundColor: 'var(--selection)' },
  '.cm-selectionMatch': { backgroundColor: 'var(--selection-match)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--selection-match)', outline: 'none' },
  '.cm-foldPlaceholder': { backgroundColor: 'var(--panel)', border: 'none', color: 'var(--muted)' },
  '.cm-panels': { backgroundColor: 'var(--panel)', color: 'var(--fg)' },
  '.cm-ySelectionInfo': { fontFamily: 'var(--sans)', fontWeight: '600', padding: '1px 4px', borderRadius: '3px 3px 3px 0' }
})

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.definitionKeyword, t.moduleKeyword], color: 'var(--hl-keyword)' },
  { tag: [t.string, t.special(t.string), t.regexp], color: 'var(--hl-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--hl-number)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--hl-comment)', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.definition(t.function(t.variableName))], color: 'var(--hl-function)' },
  { tag: [t.className, t.typeName, t.definition(t.className)], color: 'var(--hl-type)' },
  { tag: [t.variableName, t.definition(t.variableName)], color: 'var(--fg)' },
  { tag: [t.propertyName, t.attributeName], color: 'var(--hl-property)' },
  { tag: [t.operator, t.punctuation, t.bracket], color: 'var(--muted)' },
  { tag: [t.meta, t.processingInstruction, t.self], color: 'var(--hl-meta)' },
  { tag: t.heading, color: 'var(--hl-keyword)', fontWeight: '700' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strong, fontWeight: '700' },
  { tag: [t.link, t.url], color: 'var(--hl-string)', textDecoration: 'underline' },
  { tag: t.monospace, color: 'var(--hl-property)' },
  { tag: t.invalid, color: 'var(--danger)' }
])

function baseExtensions (readOnly, run) {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    indentUnit.of('    '),
    syntaxHighlighting(highlight),
    bracketMatching(),
    closeBrackets(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    // Undo/redo go through Y.UndoManager so they only revert this browser's own edits.
    // Files save themselves; Mod-s must not open the browser's "Save page" dialog.
    keymap.of([{ key: 'Mod-s', run: () => true }, { key: 'Mod-Enter', run }, ...yUndoManagerKeymap, ...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...foldKeymap, indentWithTab]),
    theme,
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly)
  ]
}

export class Editor {
  /**
   * @param {HTMLElement} root pane with .editor-title, .editor-host and .editor-placeholder
   * @param {import('./files.js').FileStore} store
   * @param {{readOnly: boolean, onDownload: (path: string) => void, onMoved: (path: string) => void,
   *   onPath: (path: ?string) => void, onRun: (path: string) => boolean}} opts
   */
  constructor (root, store, { readOnly, onDownload, onMoved, onPath, onRun }) {
    this.root = root
    this.store = store
    this.readOnly = readOnly
    this.onDownload = onDownload
    this.onMoved = onMoved
    this.onPath = onPath
    this.onRun = onRun
    this.known = null // paths of `files` at the last refresh, to recognise renames
    this.title = root.querySelector('.editor-title')
    this.placeholder = root.querySelector('.editor-placeholder')
    this.path = null
    this.ytext = null
    this.undoManager = null
    this.view = new EditorView({ parent: root.querySelector('.editor-host') })
    this.title.textContent = 'Editor'
    this.showPlaceholder('Open a file from the tree to edit it together.')
  }

  /** Opens `path`: text files in the editor, blobs as an info card with a download button. */
  open (path) {
    const entry = this.store.entry(path)
    const ytext = this.store.text(path)
    this.path = path
    this.ytext = ytext
    this.known = new Set(this.store.files.keys())
    this.title.textContent = path
    this.title.title = path
    this.onPath(ytext ? path : null)
    this.undoManager?.destroy()
    this.undoManager = null
    this.store.awareness.setLocalStateField('cursor', null)
    if (!ytext) {
      const size = entry?.size ? ` (${formatSize(entry.size)})` : ''
      this.showPlaceholder(`<strong>${escapeHtml(path)}</strong> is a binary or large file${size}; it is not edited here.` +
        '<br><button class="btn" data-act="download">Download</button>')
      this.placeholder.querySelector('[data-act=download]').onclick = () => this.onDownload(path)
      return
    }
    this.undoManager = new Y.UndoManager(ytext)
    const language = new Compartment()
    this.view.setState(EditorState.create({
      doc: ytext.toString(),
      extensions: [
        baseExtensions(this.readOnly, () => this.onRun(path)),
        language.of([]),
        yCollab(ytext, this.store.awareness, { undoManager: this.undoManager })
      ]
    }))
    this.root.classList.remove('empty')
    languageFor(path)?.then((mode) => {
      if (this.ytext === ytext) this.view.dispatch({ effects: language.reconfigure(mode) })
    }, (err) => console.warn(`no highlighting for ${path}:`, err))
  }

  /** Called when the file maps changed: follows our file if it was replaced, moved or removed. */
  refresh () {
    const known = this.known
    this.known = new Set(this.store.files.keys())
    if (!this.path) return
    if (this.store.exists(this.path)) {
      if (this.store.text(this.path) !== this.ytext) this.open(this.path) // replaced, or text <-> blob
      return
    }
    // Someone renamed it: a rename copies the text to one new path in the same transaction.
    const content = this.view.state.doc.toString()
    const moved = [...this.known].filter((p) => !known?.has(p) && this.store.text(p)?.toString() === content)
    if (this.ytext && moved.length === 1) this.onMoved(moved[0])
    else this.close(`${this.path} was deleted.`)
  }

  close (message) {
    this.path = null
    this.ytext = null
    this.title.textContent = 'Editor'
    this.onPath(null)
    this.undoManager?.destroy()
    this.undoManager = null
    this.view.setState(EditorState.create({ doc: '' }))
    this.showPlaceholder(escapeHtml(message))
  }

  showPlaceholder (html) {
    this.placeholder.innerHTML = html
    this.root.classList.add('empty')
  }

  focus () { this.view.focus() }
}

function formatSize (n) {
  if (n < 1024) return `${n} B`
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / (1 << 20)).toFixed(1)} MiB`
}
