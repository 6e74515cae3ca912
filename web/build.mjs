// Bundles the page scripts and styles into static/dist/ (served as /static/dist/...).
//   node build.mjs           one minified build
//   node build.mjs --watch   rebuild on change (development)
import { rmSync } from 'node:fs'
import * as esbuild from 'esbuild'

const options = {
  entryPoints: [
    { in: 'static/src/main.js', out: 'app' }, // full session page
    { in: 'static/src/embed.js', out: 'embed' }, // terminal-only iframe page
    { in: 'static/src/landing.js', out: 'landing' }, // "New session" page
    { in: 'static/src/error.js', out: 'error' }, // error pages (bad link, full, ...)
    { in: 'static/src/teacher.js', out: 'teacher' }, // a template's copies, for the teacher
    { in: 'static/styles/app.css', out: 'app' } // one stylesheet (with xterm.css) for every page
  ],
  outdir: 'static/dist',
  bundle: true,
  splitting: true, // the pages share xterm.js etc. through common chunks
  format: 'esm',
  target: ['es2022', 'chrome105', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked', // third-party licence headers go to *.LEGAL.txt next to the bundles
  chunkNames: 'chunks/[name]-[hash]',
  assetNames: 'fonts/[name]-[hash]',
  loader: { '.woff2': 'file', '.woff': 'file' }, // the terminal font's files (app.css's @font-face)
  logLevel: 'info'
}

if (process.argv.includes('--watch')) {
  await (await esbuild.context(options)).watch()
} else {
  rmSync(options.outdir, { recursive: true, force: true }) // no stale hashed chunks
  await esbuild.build(options)
}
