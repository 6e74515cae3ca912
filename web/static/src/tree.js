// The file tree panel: renders the flat `tree` map as an indented, collapsible list and turns
// clicks into FileStore operations. Names are typed into inline inputs, not prompt() dialogs.

import { basename, dirname, joinPath, validPath } from './files.js'
import { icon } from './icons.js'
import { toast } from './ui.js'

export class TreeView {
  /**
   * @param {HTMLElement} root the panel element (contains .tree-list and toolbar buttons)
   * @param {import('./files.js').FileStore} store
   * @param {{canEdit: boolean, onOpen: (path: string) => void}} opts
   */
  constructor (root, store, { canEdit, onOpen }) {
    this.root = root
    this.list = root.querySelector('.tree-list')
    this.store = store
    this.canEdit = canEdit
    this.onOpen = onOpen
    this.expanded = new Set()
    this.selected = null // path of the highlighted row
    this.active = null // path open in the editor
    this.editing = null // {kind: "new-file"|"new-dir"|"rename", dir, path}
    this.dirty = false

    root.classList.toggle('readonly', !canEdit)
    store.tree.observeDeep(() => this.scheduleRender())
    this.list.addEventListener('click', (ev) => this.onClick(ev))
    this.list.addEventListener('keydown', (ev) => this.onKey(ev))
    this.bindToolbar()
    this.render()
  }

  bindToolbar () {
    const on = (sel, fn) => this.root.querySelector(sel)?.addEventListener('click', fn)
    on('[data-act="new-file"]', () => this.startEdit({ kind: 'new-file', dir: this.targetDir() }))
    on('[data-act="new-dir"]', () => this.startEdit({ kind: 'new-dir', dir: this.targetDir() }))
    const input = this.root.querySelector('input[type=file]')
    on('[data-act="upload"]', () => input?.click())
    input?.addEventListener('change', () => {
      this.uploadFiles([...input.files], this.targetDir())
      input.value = ''
    })
    // Drop files anywhere on the panel: they land in the selected folder.
    this.root.addEventListener('dragover', (ev) => {
      if (!this.canEdit || !ev.dataTransfer?.types.includes('Files')) return
      ev.preventDefault()
      this.root.classList.add('drop')
    })
    this.root.addEventListener('dragleave', () => this.root.classList.remove('drop'))
    this.root.addEventListener('drop', (ev) => {
      this.root.classList.remove('drop')
      if (!this.canEdit || !ev.dataTransfer?.files.length) return
      ev.preventDefault()
      this.uploadFiles([...ev.dataTransfer.files], this.targetDir())
    })
  }

  /** Folder that new files go into: the selected folder, or the selected file's folder. */
  targetDir () {
    const sel = this.selected
    if (!sel || !this.store.exists(sel)) return ''
    return this.store.entry(sel)?.kind === 'dir' ? sel : dirname(sel)
  }

  async uploadFiles (files, dir) {
    for (const file of files) {
      const path = joinPath(dir, file.name)
      try {
        await this.store.upload(path, file)
        toast(`Uploaded ${path}`)
      } catch (err) {
        toast(err.message, 'error')
      }
    }
    if (dir) this.expanded.add(dir)
    this.scheduleRender()
  }

  setActive (path) {
    this.active = path
    this.selected = path
    for (let d = dirname(path || ''); d; d = dirname(d)) this.expanded.add(d)
    this.scheduleRender()
  }

  scheduleRender () {
    if (this.dirty) return
    this.dirty = true
    requestAnimationFrame(() => {
      this.dirty = false
      if (!this.editing) this.render()
    })
  }

  /** Rows in display order: directories first, then files, each level sorted by name. */
  visibleRows () {
    const children = new Map([['', []]])
    for (const [path, entry] of this.store.entries()) {
      const parent = dirname(path)
      if (!children.has(parent)) children.set(parent, [])
      children.get(parent).push({ path, entry })
      if (entry.kind === 'dir' && !children.has(path)) children.set(path, [])
    }
    const rows = []
    const walk = (dir, depth) => {
      const kids = children.get(dir) || []
      kids.sort((a, b) => (a.entry.kind === 'dir') === (b.entry.kind === 'dir')
        ? a.path.localeCompare(b.path)
        : a.entry.kind === 'dir' ? -1 : 1)
      if (this.editing?.kind?.startsWith('new') && this.editing.dir === dir) {
        rows.push({ path: null, entry: { kind: this.editing.kind === 'new-dir' ? 'dir' : 'file' }, depth, input: true })
      }
      for (const kid of kids) {
        rows.push({ ...kid, depth })
        if (kid.entry.kind === 'dir' && this.expanded.has(kid.path)) walk(kid.path, depth + 1)
      }
    }
    walk('', 0)
    return rows
  }

  render () {
    const rows = this.visibleRows()
    this.list.replaceChildren(...rows.map((row) => this.renderRow(row)))
    if (!rows.length) {
      const empty = document.createElement('li')
      empty.className = 'tree-empty'
      empty.textContent = this.canEdit ? 'No files yet. Create one or drop files here.' : 'No files yet.'
      this.list.append(empty)
    }
    this.list.querySelector('input')?.focus()
  }

  renderRow ({ path, entry, depth, input }) {
    const li = document.createElement('li')
    li.className = `tree-row kind-${entry.kind}`
    li.style.setProperty('--depth', depth)
    const isDir = entry.kind === 'dir'
    const open = isDir && this.expanded.has(path)
    const renaming = this.editing?.kind === 'rename' && this.editing.path === path
    li.innerHTML = `${isDir ? icon('chevron', 'twisty' + (open ? ' open' : '')) : '<span class="twisty"></span>'}${icon(isDir ? (open ? 'dirOpen' : 'dir') : entry.kind)}`
    if (input || renaming) {
      li.append(this.nameInput(renaming ? basename(path) : ''))
      return li
    }
    li.dataset.path = path
    li.tabIndex = 0
    li.setAttribute('role', 'treeitem')
    if (isDir) li.setAttribute('aria-expanded', String(open))
    li.classList.toggle('selected', path === this.selected)
    li.classList.toggle('active', path === this.active)
    const name = document.createElement('span')
    name.className = 'name'
    name.textContent = basename(path)
    name.title = path
    li.append(name)
    const actions = document.createElement('span')
    actions.className = 'row-actions'
    actions.innerHTML = (isDir ? '' : `<button data-act="download" title="Download">${icon('download')}</button>`) +
      (this.canEdit
        ? `<button data-act="rename" title="Rename">${icon('rename')}</button><button data-act="delete" title="Delete">${icon('trash')}</button>`
        : '')
    li.append(actions)
    return li
  }

  nameInput (value) {
    const input = document.createElement('input')
    input.className = 'name-input'
    input.value = value
    input.spellcheck = false
    input.setAttribute('aria-label', 'Name')
    let done = false
    const finish = (commit) => {
      if (done) return
      done = true
      const edit = this.editing
      this.editing = null
      if (commit) this.commitEdit(edit, input.value.trim())
      this.render()
    }
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') finish(true)
      else if (ev.key === 'Escape') finish(false)
      ev.stopPropagation()
    })
    input.addEventListener('blur', () => finish(true))
    if (value) queueMicrotask(() => input.setSelectionRange(0, value.lastIndexOf('.') > 0 ? value.lastIndexOf('.') : value.length))
    return input
  }

  startEdit (edit) {
    if (!this.canEdit) return
    if (edit.dir) this.expanded.add(edit.dir)
    this.editing = edit
    this.render()
  }

  commitEdit (edit, name) {
    if (!name || (edit.kind === 'rename' && name === basename(edit.path))) return
    const dir = edit.kind === 'rename' ? dirname(edit.path) : edit.dir
    // A name may contain slashes ("src/util.py"): missing folders are created.
    const path = joinPath(dir, name.replace(/^\/+|\/+$/g, ''))
    if (!validPath(path)) return toast(`Invalid name: ${name}`, 'error')
    if (this.store.exists(path)) return toast(`${path} already exists`, 'error')
    if (edit.kind === 'rename') {
      this.store.rename(edit.path, path)
      if (this.active && (this.active === edit.path || this.active.startsWith(edit.path + '/'))) {
        this.onOpen(path + this.active.slice(edit.path.length))
      }
      if (this.expanded.delete(edit.path)) this.expanded.add(path)
    } else if (edit.kind === 'new-dir') {
      this.store.createDir(path)
      this.expanded.add(path)
      this.selected = path
    } else {
      this.store.createFile(path)
      this.onOpen(path)
    }
  }

  onClick (ev) {
    const row = ev.target.closest('.tree-row[data-path]')
    if (!row) return
    const path = row.dataset.path
    const act = ev.target.closest('button[data-act]')?.dataset.act
    if (act === 'rename') return this.startEdit({ kind: 'rename', path })
    if (act === 'delete') return this.remove(path)
    if (act === 'download') return this.download(path)
    this.selected = path
    if (this.store.entry(path)?.kind === 'dir') {
      if (!this.expanded.delete(path)) this.expanded.add(path)
      this.render()
    } else {
      this.onOpen(path)
    }
  }

  onKey (ev) {
    const row = ev.target.closest('.tree-row[data-path]')
    if (!row) return
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault()
      row.click()
    } else if (ev.key === 'F2') {
      this.startEdit({ kind: 'rename', path: row.dataset.path })
    } else if (ev.key === 'Delete') {
      this.remove(row.dataset.path)
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      (ev.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling)?.focus()
    }
  }

  remove (path) {
    if (!this.canEdit) return
    const isDir = this.store.entry(path)?.kind === 'dir'
    if (!confirm(`Delete ${path}${isDir ? ' and everything in it' : ''}?`)) return
    this.store.remove(path)
  }

  async download (path) {
    try {
      const blob = await this.store.download(path)
      const a = document.createElement('a')
      a.href = URL.createObjectURL(blob)
      a.download = basename(path)
      a.click()
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
    } catch (err) {
      toast(err.message, 'error')
    }
  }
}
