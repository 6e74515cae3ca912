// Page configuration rendered by the server into <script id="cowasm-config"> (see the web contract).

/** @returns {{session:string, role:string, token:string, name:?string, termUrl:string,
 *   filesUrl:string, editUrl:?string, viewUrl:?string, embedUrl:?string, embedViewUrl:string,
 *   templateUrl:string, teachUrl:?string, embed:boolean,
 *   cmd:?string, readonly:boolean, theme:string}} */
export function readConfig () {
  const el = document.getElementById('cowasm-config')
  return el ? JSON.parse(el.textContent) : {}
}

/** Absolute ws(s):// URL for a server path; absolute URLs pass through unchanged. */
export function wsUrl (pathOrUrl) {
  if (/^wss?:\/\//.test(pathOrUrl)) return pathOrUrl
  if (/^https?:\/\//.test(pathOrUrl)) return pathOrUrl.replace(/^http/, 'ws')
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}${pathOrUrl}`
}

/** Adds query parameters that are not already present in `url`. */
export function withParams (url, params) {
  const u = new URL(url, location.href)
  for (const [k, v] of Object.entries(params)) {
    if (v != null && v !== '' && !u.searchParams.has(k)) u.searchParams.set(k, v)
  }
  return u.toString()
}
