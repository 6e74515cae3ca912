// Entry point of the error pages (web/templates/error.html): only the theme, like every page.

import { applyTheme, initialTheme } from './ui.js'

const config = JSON.parse(document.getElementById('cowasm-config')?.textContent || '{}')
applyTheme(initialTheme(config.theme))
