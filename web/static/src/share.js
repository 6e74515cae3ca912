// The header's share buttons: edit link, view link and an iframe snippet for course pages.

import { copyText, toast, escapeHtml } from './ui.js'

/** @param {HTMLElement} root @param {{editUrl: ?string, viewUrl: ?string, embedUrl: ?string}} config */
export function bindShare (root, config) {
  const items = {
    'copy-edit': [config.editUrl, 'Edit link copied: anyone with it can type in this session.'],
    'copy-view': [config.viewUrl, 'View link copied: read-only access.'],
    'copy-embed': [config.embedUrl && iframeSnippet(config.embedUrl), 'Iframe snippet copied.']
  }
  for (const [act, [text, done]] of Object.entries(items)) {
    const btn = root.querySelector(`[data-act="${act}"]`)
    if (!btn) continue
    if (!text) {
      btn.hidden = true // viewers do not get links they are not allowed to share
      continue
    }
    btn.addEventListener('click', async () => {
      toast((await copyText(text)) ? done : 'Could not copy: ' + text, 'info')
    })
  }
}

export function iframeSnippet (url, width = 800, height = 450) {
  return `<iframe src="${escapeHtml(url)}" width="${width}" height="${height}" style="border:0;border-radius:8px" allow="clipboard-read; clipboard-write" loading="lazy"></iframe>`
}
