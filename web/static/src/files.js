// The session's files as a Y.Doc (see the web contract, "Y.Doc model"):
//   files: Y.Map path -> Y.Text      (UTF-8 text files up to 1 MiB)
//   tree:  Y.Map path -> {kind: "file"|"dir"|"blob", mode, mtime, size} (object or Y.Map)
// Every edit here is one transaction, so the shell never sees half a rename.

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { wsUrl } from './config.js'

export const TEXT_MAX = 1 << 20
export const TREE_FULL = 4413 // close code: the server refused an update that would overfill the tree
const MODE_FILE = 0o644
const MODE_DIR = 0o755

export class FileStore {
  /** @param {{session: string, token: string, filesUrl: string}} config */
  constructor (config) {
    this.config = config
    this.doc = new Y.Doc()
    this.files = this.doc.getMap('files')
    this.tree = this.doc.getMap('tree')
    this.provider = new WebsocketProvider(wsUrl(config.filesUrl), config.session, this.doc, {
      params: { token: config.token },
      maxBackoffTime: 10_000
    })
    this.awareness = this.provider.awareness
  }

  /** @returns {{kind: string, mode: number, mtime: number, size: number} | null} */
  entry (path) {
    const v = this.tree.get(path)
    if (v instanceof Y.Map) return v.toJSON()
    return v && typeof v === 'object' ? v : null
  }

  /** All paths with their entries, sorted. */
  entries () {
    return [...this.tree.keys()].sort().map((path) => [path, this.entry(path)]).filter(([, e]) => e)
  }

  text (path) { return this.files.get(path) || null }

  exists (path) { return this.tree.has(path) }

  /** Creates the missing parent directories of `path` (call inside a transaction). */
  ensureParents (path) {
    const parts = path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (!this.tree.has(dir)) this.tree.set(dir, newEntry('dir', MODE_DIR))
    }
  }

  createFile (path, content = '') {
    this.doc.transact(() => {
      this.ensureParents(path)
      this.tree.set(path, newEntry('file', MODE_FILE, utf8Length(content)))
      this.files.set(path, new Y.Text(content))
    })
  }

  createDir (path) {
    this.doc.transact(() => {
      this.ensureParents(path)
      this.tree.set(path, newEntry('dir', MODE_DIR))
    })
  }

  /** Paths equal to `path` or below it (for directories). */
  subtree (path) {
    return [...this.tree.keys()].filter((p) => p === path || p.startsWith(path + '/'))
  }

  /** Moves a file or a whole directory. A Y.Text cannot be re-parented, so text is copied. */
  rename (from, to) {
    this.doc.transact(() => {
      this.ensureParents(to)
      for (const p of this.subtree(from)) {
        const dest = to + p.slice(from.length)
        this.tree.set(dest, { ...this.entry(p), mtime: Date.now() })
        this.tree.delete(p)
        const text = this.files.get(p)
        if (text) {
          this.files.set(dest, new Y.Text(text.toString()))
          this.files.delete(p)
        }
      }
    })
  }

  remove (path) {
    this.doc.transact(() => {
      for (const p of this.subtree(path)) {
        this.tree.delete(p)
        this.files.delete(p)
      }
    })
  }

  /** HTTP URL of a file's raw bytes (GET to download, PUT to upload). */
  httpUrl (path) {
    const enc = path.split('/').map(encodeURIComponent).join('/')
    const sid = encodeURIComponent(this.config.session)
    return `/api/sessions/${sid}/files/${enc}?token=${encodeURIComponent(this.config.token)}`
  }

  /** Stores an uploaded file: small UTF-8 text goes into the CRDT, anything else over HTTP. */
  async upload (path, file) {
    const bytes = new Uint8Array(await file.arrayBuffer())
    const text = bytes.length <= TEXT_MAX ? decodeText(bytes) : null
    if (text !== null) {
      const existing = this.files.get(path)
      if (existing) {
        this.doc.transact(() => {
          existing.delete(0, existing.length)
          existing.insert(0, text)
          this.tree.set(path, { ...this.entry(path), mtime: Date.now(), size: bytes.length })
        })
      } else {
        this.createFile(path, text)
      }
      return
    }
    const res = await fetch(this.httpUrl(path), { method: 'PUT', body: bytes })
    if (!res.ok) throw new Error(`upload of ${path} failed: ${res.status} ${res.statusText}`)
  }

  /** A Blob of the file's current content (text from the CRDT, blobs from the server). */
  async download (path) {
    const text = this.files.get(path)
    if (text) return new Blob([text.toString()], { type: 'text/plain;charset=utf-8' })
    const res = await fetch(this.httpUrl(path))
    if (!res.ok) throw new Error(`download of ${path} failed: ${res.status} ${res.statusText}`)
    return res.blob()
  }

  destroy () {
    this.provider.destroy()
    this.doc.destroy()
  }
}

function newEntry (kind, mode, size = 0) {
  return { kind, mode, mtime: Date.now(), size }
}

function utf8Length (s) { return new TextEncoder().encode(s).length }

/** The text if `bytes` are UTF-8 without NUL (what the server treats as a text file), else null. */
export function decodeText (bytes) {
  if (bytes.includes(0)) return null
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}

/** Same rule as the server (server/files/model.py valid_path): relative, normalised. */
export function validPath (path) {
  if (!path || path.startsWith('/') || path.endsWith('/') || path.includes('\0')) return false
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
}

export function basename (path) { return path.slice(path.lastIndexOf('/') + 1) }
export function dirname (path) { return path.slice(0, Math.max(0, path.lastIndexOf('/'))) }
export function joinPath (dir, name) { return dir ? `${dir}/${name}` : name }
