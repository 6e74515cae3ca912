// The shared terminal: xterm.js bound to the server's terminal WebSocket (docs/protocol.md).
//
// Binary frames carry output (server->client) and keystrokes (client->server); text frames
// carry JSON control messages. Output is acknowledged from xterm.js write callbacks, so the
// server only sends as fast as this browser can actually render.

import { Terminal } from '@xterm/xterm'
import { FitAddon } from '@xterm/addon-fit'
import { WebLinksAddon } from '@xterm/addon-web-links'
import { Unicode11Addon } from '@xterm/addon-unicode11'
import { fontsLoaded, TERM_FONT } from './font.js'

const ACK_BATCH = 64 * 1024 // ack once this many bytes were rendered...
const ACK_IDLE_MS = 100 // ...or when output pauses, so the server's count drops to zero
const BACKOFF_MIN_MS = 500
const BACKOFF_MAX_MS = 10_000
const FRAME_MAX = 64 * 1024 // keystroke frames (a paste is split): the server takes 1 MiB at most
const QUEUE_MAX = 4 << 20 // keys typed while disconnected, sent after the reconnect
// Close codes after which reconnecting is pointless, and what they mean to the person.
export const FATAL_CLOSES = {
  4404: 'This session was deleted.',
  4403: 'This link no longer gives access to the session.',
  4401: 'This link is not valid: the server refused its token.',
  1008: 'The server refused this connection.',
  403: 'This session no longer exists, or this link no longer gives access to it.'
}

const ANSI_DARK = {
  black: '#1d2029', red: '#f07178', green: '#a6da95', yellow: '#eed49f', blue: '#82aaff',
  magenta: '#c792ea', cyan: '#89ddff', white: '#cdd3de',
  brightBlack: '#5c6370', brightRed: '#ff8b92', brightGreen: '#c3e88d', brightYellow: '#ffcb6b',
  brightBlue: '#9cc4ff', brightMagenta: '#e1acff', brightCyan: '#a3f7ff', brightWhite: '#ffffff'
}
const ANSI_LIGHT = {
  black: '#24292f', red: '#cf222e', green: '#116329', yellow: '#8a6300', blue: '#0550ae',
  magenta: '#8250df', cyan: '#1b7c83', white: '#6e7781',
  brightBlack: '#57606a', brightRed: '#a40e26', brightGreen: '#1a7f37', brightYellow: '#633c01',
  brightBlue: '#218bff', brightMagenta: '#a475f9', brightCyan: '#3192aa', brightWhite: '#8c959f'
}
export const TERM_THEMES = {
  dark: { background: '#0f1218', foreground: '#d6dbe5', cursor: '#e6eaf2', cursorAccent: '#0f1218', selectionBackground: '#3d4a6b', ...ANSI_DARK },
  light: { background: '#ffffff', foreground: '#1f2328', cursor: '#1f2328', cursorAccent: '#ffffff', selectionBackground: '#b6d7ff', ...ANSI_LIGHT }
}

/**
 * Events (CustomEvent, payload in `detail`): hello, viewers, size, exit, started, error
 * (the server's messages), status ({state: "connecting" | "open" | "closed" | "failed", code,
 * message, retryAt}) and queue ({bytes, full}: keys typed while disconnected, not yet sent).
 */
export class TerminalClient extends EventTarget {
  /**
   * @param {HTMLElement} container
   * @param {{url: string, theme?: string, readOnly?: boolean}} opts readOnly: never type, even as a writer
   */
  constructor (container, { url, theme = 'dark', readOnly = false }) {
    super()
    this.url = url
    this.readOnly = readOnly
    this.role = null // set by the server's hello
    this.clientId = null
    this.ws = null
    this.gen = 0 // connection generation: write callbacks of an old socket must not ack on a new one
    this.unacked = 0
    this.ackTimer = 0
    this.backoff = BACKOFF_MIN_MS
    this.everOpened = false
    this.stopped = false
    this.sentSize = ''
    this.pending = [] // commands from run() waiting for a writer connection
    this.live = false // this connection's hello arrived: keys go straight out
    this.queue = [] // keys typed while not live, in order (never dropped silently)
    this.queuedBytes = 0
    this.retryTimer = 0
    this.fatal = null // {code, message} once the server closed for good
    this.encoder = new TextEncoder()

    this.term = new Terminal({
      allowProposedApi: true, // unicode11 sets activeVersion, a proposed API
      cursorBlink: true,
      fontFamily: TERM_FONT, // bundled, so every glyph (the underscore too) fits its cell
      fontSize: matchMedia('(max-width: 700px)').matches ? 13 : 14,
      lineHeight: 1.2, // room below the baseline: rows never clip descenders or underscores
      scrollback: 5000,
      theme: TERM_THEMES[theme] || TERM_THEMES.dark
    })
    this.fitAddon = new FitAddon()
    this.term.loadAddon(this.fitAddon)
    this.term.loadAddon(new WebLinksAddon())
    this.term.loadAddon(new Unicode11Addon())
    this.term.unicode.activeVersion = '11'
    // xterm.js measures its cell once, on open: open only when the font can be measured.
    // Output that arrives before is kept in its buffer and drawn then.
    this.opened = fontsLoaded().then(() => {
      this.term.open(container)
      this.fit() // fills the box, or (after hello) proposes its size and keeps the server's
    })

    this.term.onData((data) => this.sendKeys(this.encoder.encode(data)))
    // Some mouse reports are raw bytes in a string with code points < 256.
    this.term.onBinary((data) => this.sendKeys(Uint8Array.from(data, (c) => c.charCodeAt(0))))

    let frame = 0
    new ResizeObserver(() => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => this.fit())
    }).observe(container)
  }

  connect () {
    if (this.fatal) return
    this.stopped = false
    clearTimeout(this.retryTimer)
    const gen = ++this.gen
    const ws = new WebSocket(this.url)
    ws.binaryType = 'arraybuffer'
    this.ws = ws
    this.emit('status', { state: 'connecting' })

    let opened = false
    ws.onopen = () => {
      opened = true
      this.backoff = BACKOFF_MIN_MS
      this.unacked = 0
      this.sentSize = ''
      // The server replays its scrollback on every connect: start from a clean screen.
      // Written (not called) so it is ordered after output still queued from the old socket.
      if (this.everOpened) this.term.write('\x1bc')
      this.everOpened = true
      this.emit('status', { state: 'open' })
    }
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        this.onControl(JSON.parse(ev.data))
      } else {
        const data = new Uint8Array(ev.data)
        this.term.write(data, () => this.rendered(gen, data.length))
      }
    }
    ws.onclose = (ev) => {
      if (gen !== this.gen) return
      this.live = false
      clearTimeout(this.ackTimer)
      if (this.stopped || this.fatal) return
      if (FATAL_CLOSES[ev.code]) return this.fail(ev.code)
      if (!opened) this.probe()
      const delay = this.backoff * (0.75 + Math.random() / 2)
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS)
      this.retryTimer = setTimeout(() => { if (gen === this.gen && !this.stopped) this.connect() }, delay)
      this.emit('status', { state: 'closed', code: ev.code, retryAt: Date.now() + delay })
    }
  }

  /** The server closed for good: say why, take no more input, never reconnect. */
  fail (code) {
    const message = FATAL_CLOSES[code]
    this.fatal = { code, message }
    clearTimeout(this.retryTimer)
    this.term.options.disableStdin = true
    this.ws?.close()
    this.emit('status', { state: 'failed', code, message })
  }

  /** A WebSocket refused at its upgrade shows no HTTP status: ask for the same URL over HTTP.
   * 403 means the session is gone (deleted while we were away) or the token is no longer good. */
  async probe () {
    try {
      const resp = await fetch(this.url.replace(/^ws/, 'http'), { cache: 'no-store' })
      if (resp.status === 403 && !this.fatal && !this.stopped) this.fail(403)
    } catch {} // the network is down: keep retrying
  }

  /** Reconnects at once instead of waiting for the next retry. */
  retryNow () {
    if (this.fatal || this.stopped || this.ws?.readyState === WebSocket.CONNECTING || this.isOpen) return
    this.connect()
  }

  close () {
    this.stopped = true
    clearTimeout(this.retryTimer)
    this.ws?.close()
  }

  get isWriter () { return this.role === 'writer' && !this.readOnly }
  get isOpen () { return this.ws?.readyState === WebSocket.OPEN }

  onControl (msg) {
    switch (msg.type) {
      case 'hello':
        this.role = msg.role
        this.clientId = msg.client
        this.term.options.disableStdin = !this.isWriter
        this.live = true
        this.sizeBy = null
        this.applySize(msg)
        this.fit() // a writer proposes its own size
        this.flushQueue()
        this.flushPending()
        break
      case 'size':
        this.sizeBy = msg.by ?? null
        this.applySize(msg)
        break
      case 'exit':
        this.term.write(this.isWriter
          ? `\r\n\x1b[2m[shell exited with status ${msg.status} — press Enter to restart]\x1b[0m\r\n`
          : `\r\n\x1b[2m[shell exited with status ${msg.status}]\x1b[0m\r\n`)
        break
      case 'error':
        this.term.write(`\r\n\x1b[31m[${msg.message}]\x1b[0m\r\n`)
        break
    }
    this.emit(msg.type, msg)
  }

  /** The server decides the terminal's size (the last typist's window), so xterm.js always
   * matches it; the page frames it when it differs from what our window could show. */
  applySize ({ rows, cols }) {
    if (rows > 0 && cols > 0 && (rows !== this.term.rows || cols !== this.term.cols)) {
      this.term.resize(cols, rows)
    }
    this.showFit()
  }

  /** Marks the container when the terminal is not the size its box would give it. */
  showFit () {
    const host = this.term.element?.parentElement
    const dims = host && this.fitAddon.proposeDimensions()
    if (!dims || !(dims.cols > 0) || !(dims.rows > 0)) return
    const boxed = Boolean(this.role) && (dims.cols !== this.term.cols || dims.rows !== this.term.rows)
    host.classList.toggle('letterboxed', boxed)
    host.title = boxed ? `The terminal is ${this.term.cols}×${this.term.rows}: the window of whoever typed last sets its size` : ''
  }

  /** Proposes the size that fits our container; only writers' proposals count. */
  fit () {
    const dims = this.fitAddon.proposeDimensions()
    if (!dims || !(dims.cols > 0) || !(dims.rows > 0)) return
    this.showFit()
    if (!this.role) {
      this.term.resize(dims.cols, dims.rows) // before hello: just fill the box
      return
    }
    const key = `${dims.rows}x${dims.cols}`
    if (this.isWriter && this.isOpen && key !== this.sentSize) {
      this.sentSize = key
      this.sendJson({ type: 'resize', rows: dims.rows, cols: dims.cols })
    }
  }

  rendered (gen, n) {
    if (gen !== this.gen) return
    this.unacked += n
    clearTimeout(this.ackTimer)
    if (this.unacked >= ACK_BATCH) this.flushAck()
    else this.ackTimer = setTimeout(() => this.flushAck(), ACK_IDLE_MS)
  }

  flushAck () {
    if (this.unacked > 0 && this.isOpen) {
      this.sendJson({ type: 'ack', bytes: this.unacked })
      this.unacked = 0
    }
  }

  /** Keys go out at once while live; otherwise (reconnecting) they are queued, in order. */
  sendKeys (bytes) {
    if (this.fatal || this.readOnly || (this.role && !this.isWriter)) return
    if (this.live && this.isOpen && !this.queue.length) return this.sendFrames(bytes)
    if (this.queuedBytes + bytes.length > QUEUE_MAX) return this.emit('queue', { bytes: this.queuedBytes, full: true })
    this.queue.push(bytes)
    this.queuedBytes += bytes.length
    this.emit('queue', { bytes: this.queuedBytes, full: false })
  }

  sendFrames (bytes) { // a big paste in frames the server accepts (a UTF-8 split is fine: it decodes a stream)
    for (let i = 0; i < bytes.length; i += FRAME_MAX) this.ws.send(bytes.subarray(i, i + FRAME_MAX))
  }

  flushQueue () {
    if (!this.queue.length) return
    if (this.isWriter) for (const bytes of this.queue) this.sendFrames(bytes)
    this.queue = []
    this.queuedBytes = 0
    this.emit('queue', { bytes: 0, full: false })
  }

  sendJson (msg) {
    if (this.isOpen) this.ws.send(JSON.stringify(msg))
  }

  setName (name) {
    this.sendJson({ type: 'name', name })
  }

  /** Asks the server to run a file of the home folder at the shell's prompt (the Run button). */
  runFile (path) {
    if (this.isWriter) this.sendJson({ type: 'run', path })
  }

  /** Types a command and Enter (used by the embed API); queued until we are a connected writer. */
  run (command) {
    this.pending.push(command)
    this.flushPending()
  }

  flushPending () {
    if (!this.isOpen || !this.isWriter) return
    for (const cmd of this.pending.splice(0)) this.sendKeys(this.encoder.encode(cmd + '\r'))
  }

  setTheme (name) {
    this.term.options.theme = TERM_THEMES[name] || TERM_THEMES.dark
  }

  focus () { this.opened.then(() => this.term.focus()) }

  emit (type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }
}
