// The banner over the terminal while its connection is down: reconnecting (with a countdown,
// a retry-now button and how many typed bytes wait to be sent) or gone for good (why).

const kib = (n) => n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`

/** Shows `term`'s connection state (TerminalClient events) in a banner over `host`'s pane. */
export function bindBanner (host, term) {
  const el = document.createElement('div')
  el.className = 'term-banner'
  el.setAttribute('role', 'status')
  el.hidden = true
  el.innerHTML = '<div class="banner-text"><strong></strong><span class="banner-queue"></span></div>' +
    '<button class="btn small" data-act="retry">Retry now</button>'
  host.parentElement.append(el)
  const title = el.querySelector('strong')
  const queue = el.querySelector('.banner-queue')
  const retry = el.querySelector('[data-act="retry"]')
  retry.addEventListener('click', () => term.retryNow())

  let state = { state: 'connecting' }
  let opened = false
  let queued = { bytes: 0, full: false }
  let ticker = 0

  function render () {
    clearInterval(ticker)
    const down = state.state === 'closed' || (state.state === 'connecting' && opened)
    el.hidden = !(down || state.state === 'failed')
    el.dataset.state = state.state
    retry.hidden = state.state === 'failed'
    if (state.state === 'failed') {
      title.textContent = state.message
      queue.textContent = 'This page is read-only now.' +
        (queued.bytes ? ` ${kib(queued.bytes)} you typed were not sent.` : '')
      return
    }
    if (state.state === 'closed') {
      const why = state.code === 1013 ? 'The server is busy.' : 'Connection lost.'
      const tick = () => {
        const s = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000))
        title.textContent = `${why} Reconnecting in ${s} s…`
      }
      tick()
      ticker = setInterval(tick, 500)
    } else {
      title.textContent = 'Connection lost. Reconnecting…'
    }
    queue.textContent = queued.full
      ? `Typing is paused: ${kib(queued.bytes)} already wait to be sent.`
      : queued.bytes
        ? `${kib(queued.bytes)} typed, sent when the connection is back.`
        : 'Keys you type are kept and sent when the connection is back.'
  }

  term.addEventListener('status', (e) => {
    if (e.detail.state === 'open') opened = true
    state = e.detail
    render()
  })
  term.addEventListener('queue', (e) => {
    queued = e.detail
    if (!el.hidden) render()
  })
  return el
}
