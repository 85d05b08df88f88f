// Rebuild the web app's committed assets from GOV.UK Frontend: `npm run build:assets`.
// Writes src/joinedup/web/static/ (or JOINEDUP_ASSETS_OUT), so a machine without Node
// can run the app.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const frontend = join(root, 'frontend')
const govuk = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const out = process.env.JOINEDUP_ASSETS_OUT || join(root, 'src', 'joinedup', 'web', 'static')

mkdirSync(join(out, 'images'), { recursive: true })

const started = Date.now()
const { css } = sass.compile(join(frontend, 'joinedup.scss'), {
  style: 'compressed',
  importers: [new sass.NodePackageImporter(root)],
  quietDeps: true
})
writeFileSync(join(out, 'joinedup.css'), css + '\n')

// The source map is not shipped, so its comment would only point at a missing file.
const script = readFileSync(join(govuk, 'govuk-frontend.min.js'), 'utf8')
writeFileSync(join(out, 'govuk-frontend.min.js'), script.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n'))
for (const file of ['joinedup.js', 'joinedup-init.js', join('images', 'favicon.svg')]) {
  copyFileSync(join(frontend, file), join(out, file))
}

const version = JSON.parse(readFileSync(join(govuk, '..', '..', 'package.json'), 'utf8')).version
console.log(`Built GOV.UK Frontend ${version} assets into ${out} in ${Date.now() - started} ms`)
