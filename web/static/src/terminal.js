// The shared terminal: xterm.js bound to the server's terminal WebSocket (docs/protocol.md).
//
// Binary frames carry output (server->client) and keystrokes (client->server); text frames
// carry JSON control messages. Output is acknowledged from xterm.js write callbacks, so the
// server only sends as fast as this browser can actually render.

import { Terminal } from '@xterm/xterm'
import { FitAddon } from '@xterm/addon-fit'
import { WebLinksAddon } from '@xterm/addon-web-links'
import { Unicode11Addon } from '@xterm/addon-unicode11'

const ACK_BATCH = 64 * 1024 // ack once this many bytes were rendered...
const ACK_IDLE_MS = 100 // ...or when output pauses, so the server's count drops to zero
const BACKOFF_MIN_MS = 500
const BACKOFF_MAX_MS = 10_000
const FATAL_CLOSE_CODES = new Set([1008, 4401, 4403, 4404]) // bad token or no such session

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
 * (the server's messages) and status ({state: "connecting" | "open" | "closed" | "failed"}).
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
    this.encoder = new TextEncoder()

    this.term = new Terminal({
      allowProposedApi: true, // unicode11 sets activeVersion, a proposed API
      cursorBlink: true,
      fontFamily: 'ui-monospace, "JetBrains Mono", "Cascadia Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: matchMedia('(max-width: 700px)').matches ? 12 : 14,
      scrollback: 5000,
      theme: TERM_THEMES[theme] || TERM_THEMES.dark
    })
    this.fitAddon = new FitAddon()
    this.term.loadAddon(this.fitAddon)
    this.term.loadAddon(new WebLinksAddon())
    this.term.loadAddon(new Unicode11Addon())
    this.term.unicode.activeVersion = '11'
    this.term.open(container)
    this.fitAddon.fit()

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
    this.stopped = false
    const gen = ++this.gen
    const ws = new WebSocket(this.url)
    ws.binaryType = 'arraybuffer'
    this.ws = ws
    this.emit('status', { state: 'connecting' })

    ws.onopen = () => {
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
      clearTimeout(this.ackTimer)
      if (this.stopped) return
      if (FATAL_CLOSE_CODES.has(ev.code)) {
        this.emit('status', { state: 'failed', reason: ev.reason })
        return
      }
      this.emit('status', { state: 'closed' })
      const delay = this.backoff * (0.75 + Math.random() / 2)
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS)
      setTimeout(() => { if (gen === this.gen && !this.stopped) this.connect() }, delay)
    }
  }

  close () {
    this.stopped = true
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
        this.applySize(msg)
        this.fit() // a writer proposes its own size
        this.flushPending()
        break
      case 'size':
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

  /** The server decides the terminal's size (smallest writer), so xterm.js always matches it. */
  applySize ({ rows, cols }) {
    if (rows > 0 && cols > 0 && (rows !== this.term.rows || cols !== this.term.cols)) {
      this.term.resize(cols, rows)
    }
  }

  /** Proposes the size that fits our container; only writers' proposals count. */
  fit () {
    const dims = this.fitAddon.proposeDimensions()
    if (!dims || !(dims.cols > 0) || !(dims.rows > 0)) return
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

  sendKeys (bytes) {
    if (this.isWriter && this.isOpen) this.ws.send(bytes)
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

  focus () { this.term.focus() }

  emit (type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }
}
