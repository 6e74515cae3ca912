// Stands in for the editor until a file is first opened: CodeMirror is most of the page's code,
// so it is fetched then, as its own chunk, and the terminal comes up without waiting for it.

export class LazyEditor {
  /** Same arguments as Editor (editor.js). */
  constructor (root, store, opts) {
    this.root = root
    this.store = store
    this.opts = opts
    this.editor = null
    this.loading = null
  }

  /** The real Editor, loaded once (a failed load is retried on the next call). */
  load () {
    this.loading ??= import('./editor.js').then(
      ({ Editor }) => (this.editor = new Editor(this.root, this.store, this.opts)),
      (err) => {
        this.loading = null
        this.root.querySelector('.editor-placeholder').textContent = 'The editor could not be loaded; try again.'
        throw err
      })
    return this.loading
  }

  /** Opens path once the editor is there; calls made while it loads run in order. */
  async open (path) {
    (await this.load()).open(path)
  }

  refresh () { this.editor?.refresh() }
  focus () { this.editor?.focus() }
}
