// The header's share buttons: the edit link, the view link, and the Embed menu, which offers
// an iframe for a course page (read-only by default; a copy per student; or, with a warning,
// the one shared editable shell) and the class links (student link, teacher page).

import { copyText, toast, escapeHtml } from './ui.js'

/**
 * @param {HTMLElement} root
 * @param {{editUrl: ?string, viewUrl: ?string, embedUrl: ?string, embedViewUrl: ?string,
 *   templateUrl: ?string, teachUrl: ?string, role: string}} config
 */
export function bindShare (root, config) {
  const items = {
    'copy-edit': [config.editUrl, 'Edit link copied: anyone with it can type in this session.'],
    'copy-view': [config.viewUrl, 'View link copied: read-only access.']
  }
  for (const [act, [text, done]] of Object.entries(items)) {
    const btn = root.querySelector(`[data-act="${act}"]`)
    if (!btn) continue
    if (!text) {
      btn.hidden = true // viewers do not get links they are not allowed to share
      continue
    }
    btn.addEventListener('click', async () => copy(text, done))
  }
  const embed = root.querySelector('[data-act="share-embed"]')
  if (embed) bindEmbedMenu(embed, config)
}

async function copy (text, done) {
  toast((await copyText(text)) ? done : 'Could not copy: ' + text, 'info')
}

/** The embed choices, safest first: the first one is selected when the menu opens. */
export function embedChoices (config) {
  return [
    { id: 'view', url: config.embedViewUrl, title: 'Read-only', text: 'Readers watch this terminal live; nobody can type.' },
    { id: 'copy', url: config.templateUrl, title: 'Every student gets a copy', text: 'Each reader gets their own session, starting from these files. Add &name=… to the link to label a copy on the teacher page.' },
    {
      id: 'edit',
      url: config.editUrl && config.embedUrl, // the writers' embedUrl carries the edit token
      title: 'Shared and editable',
      text: 'Every reader types into this one shell.',
      warning: 'Warning: everyone who can read the course page can type into this session and change its files.'
    }
  ].filter((c) => c.url)
}

function bindEmbedMenu (button, config) {
  const choices = embedChoices(config)
  const panel = document.createElement('div')
  panel.className = 'share-panel'
  panel.hidden = true
  panel.setAttribute('role', 'dialog')
  panel.setAttribute('aria-label', 'Embed and class links')
  panel.innerHTML = `<h3>Embed in a course page</h3>
    ${choices.map((c, i) => `<label><input type="radio" name="embed-kind" value="${c.id}"${i ? '' : ' checked'}>
      <span>${escapeHtml(c.title)}<small>${escapeHtml(c.text)}</small></span></label>`).join('')}
    <p class="warning" hidden></p>
    <textarea readonly aria-label="iframe snippet"></textarea>
    <button class="btn primary small" data-act="copy-snippet">Copy snippet</button>
    <h3>For a class</h3>
    <div class="share-row"><span>Student link: each student gets their own copy</span>
      <button class="btn small" data-act="copy-template">Copy</button></div>
    ${config.teachUrl
      ? `<div class="share-row"><span>Teacher page: watch every student's copy</span>
      <a class="btn small" data-act="open-teach" href="${escapeHtml(config.teachUrl)}" target="_blank" rel="noopener">Open ↗</a>
      <button class="btn small" data-act="copy-teach">Copy</button></div>`
      : ''}`
  button.parentElement.classList.add('share-wrap')
  button.after(panel)
  const area = panel.querySelector('textarea')
  const warning = panel.querySelector('.warning')
  const selected = () => choices.find((c) => c.id === panel.querySelector('input:checked').value)
  const show = () => {
    const choice = selected()
    area.value = iframeSnippet(choice.url)
    warning.textContent = choice.warning || ''
    warning.hidden = !choice.warning
  }
  panel.addEventListener('change', show)
  panel.querySelector('[data-act="copy-snippet"]').addEventListener('click', () => {
    const choice = selected()
    copy(area.value, choice.warning ? 'Editable iframe copied: every reader can type in this session.' : `Iframe snippet copied (${choice.title.toLowerCase()}).`)
  })
  panel.querySelector('[data-act="copy-template"]').addEventListener('click', () => copy(config.templateUrl, 'Student link copied: each student who opens it gets their own copy.'))
  panel.querySelector('[data-act="copy-teach"]')?.addEventListener('click', () => copy(config.teachUrl, 'Teacher page link copied: it can join every copy, keep it private.'))
  button.addEventListener('click', () => {
    panel.hidden = !panel.hidden
    if (panel.hidden) return
    panel.querySelector('input').checked = true // always reopen on the safe choice
    show()
  })
  document.addEventListener('click', (e) => { // a click elsewhere closes it
    if (!panel.hidden && !panel.contains(e.target) && !button.contains(e.target)) panel.hidden = true
  })
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') panel.hidden = true })
}

export function iframeSnippet (url, width = 800, height = 450) {
  return `<iframe src="${escapeHtml(url)}" width="${width}" height="${height}" style="border:0;border-radius:8px" allow="clipboard-read; clipboard-write" loading="lazy"></iframe>`
}
