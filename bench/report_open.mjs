// How long the HTML report takes to open: Debian's headless chromium (puppeteer-core from
// tests/browser's pinned packages, no browser download) loads the file N times in fresh pages;
// for each, the time from navigation to the load event and until the first layout of every chart
// (a getBBox of each svg.chart's marks). Browser start-up is not counted: a user's browser is open.
// Usage: node bench/report_open.mjs REPORT.html [N]     (CHROMIUM overrides /usr/bin/chromium)
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const require = createRequire(resolve(import.meta.dirname, '../tests/browser/package.json'))
const puppeteer = require('puppeteer-core')
const [file, times = '5'] = process.argv.slice(2)
if (!file) { console.error('usage: node bench/report_open.mjs REPORT.html [N]'); process.exit(2) }

const profile = mkdtempSync(join(tmpdir(), 'boltload-open-'))
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  pipe: true,
  userDataDir: profile,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-dev-shm-usage']
})
try {
  const url = pathToFileURL(resolve(file)).href
  const rows = []
  for (let i = 0; i < Number(times); i++) {
    const page = await browser.newPage()
    await page.setViewport({ width: 1400, height: 1000 })
    const started = performance.now()
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 })
    const loaded = performance.now()
    const counts = await page.evaluate(() => {
      let drawn = 0
      for (const svg of document.querySelectorAll('svg.chart')) {
        for (const mark of svg.querySelectorAll('.mark')) {
          const box = mark.getBBox()
          if (box.width > 0 || box.height > 0) { drawn++; break }
        }
      }
      return { charts: document.querySelectorAll('svg.chart').length, drawn }
    })
    const laidOut = performance.now()
    rows.push({ load: loaded - started, laidOut: laidOut - started, ...counts })
    await page.close()
  }
  const median = key => rows.map(r => r[key]).sort((a, b) => a - b)[Math.floor((rows.length - 1) / 2)]
  for (const r of rows) {
    console.log(`load ${r.load.toFixed(0)} ms, charts laid out ${r.laidOut.toFixed(0)} ms ` +
      `(${r.drawn} of ${r.charts} charts with drawn marks)`)
  }
  console.log(`median: load ${median('load').toFixed(0)} ms, charts laid out ${median('laidOut').toFixed(0)} ms`)
} finally {
  await browser.close()
  rmSync(profile, { recursive: true, force: true })
}
