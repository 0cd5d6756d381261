// The HTML report in a real browser: a real import against --embedded writes it, Debian's
// chromium (headless, driven by puppeteer-core, no browser download) opens it from a file URL,
// and the DOM must show every chart drawn, no console error and no request but the file itself.
// A screenshot is kept as a test artifact. When chromium cannot start, the test fails.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import puppeteer from 'puppeteer-core'

const boltload = process.env.BOLTLOAD
const configs = process.env.BOLTLOAD_CONFIGS ?? resolve(import.meta.dirname ?? '.', '../../configs')
const artifacts = process.env.BOLTLOAD_ARTIFACTS ?? mkdtempSync(join(tmpdir(), 'boltload-browser-'))
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium'

const importTimeoutMs = 40_000
const launchTimeoutMs = 20_000
const loadTimeoutMs = 15_000

/** Runs boltload with a bound on its time; resolves to { code, stdout, stderr }. */
function run (args, timeoutMs = importTimeoutMs) {
  assert.ok(boltload, 'set BOLTLOAD to the boltload executable (ctest does this)')
  return new Promise((resolvePromise, reject) => {
    const child = spawn(boltload, args, { cwd: artifacts, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += d })
    child.stderr.on('data', d => { stderr += d })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`boltload ${args.join(' ')} took more than ${timeoutMs} ms:\n${stderr}`))
    }, timeoutMs)
    child.on('error', err => { clearTimeout(timer); reject(err) })
    child.on('exit', code => { clearTimeout(timer); resolvePromise({ code, stdout, stderr }) })
  })
}

let browser
let profile

before(async () => {
  mkdirSync(artifacts, { recursive: true })
  profile = mkdtempSync(join(tmpdir(), 'boltload-chromium-'))
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    pipe: true, // DevTools over a pipe: no port is opened
    userDataDir: profile,
    timeout: launchTimeoutMs,
    protocolTimeout: launchTimeoutMs,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  })
})

after(async () => {
  await browser?.close()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

/**
 * Opens a file in a fresh page. Every request other than the file itself is refused and
 * recorded, as are console errors, page errors and dialogs (an alert means injected markup ran).
 */
async function open (file) {
  const page = await browser.newPage()
  await page.setViewport({ width: 1400, height: 1000 })
  const url = pathToFileURL(file).href
  const seen = { requests: [], consoleErrors: [], pageErrors: [], dialogs: [] }
  await page.setRequestInterception(true)
  page.on('request', request => {
    if (request.url() === url) return request.continue()
    seen.requests.push(request.url())
    return request.abort()
  })
  page.on('console', message => { if (message.type() === 'error') seen.consoleErrors.push(message.text()) })
  page.on('pageerror', error => seen.pageErrors.push(String(error)))
  page.on('dialog', dialog => { seen.dialogs.push(dialog.message()); dialog.dismiss() })
  const started = Date.now()
  await page.goto(url, { waitUntil: 'load', timeout: loadTimeoutMs })
  return { page, seen, loadMs: Date.now() - started }
}

function assertQuiet (seen) {
  assert.deepEqual(seen.requests, [], 'requests other than the file itself')
  assert.deepEqual(seen.consoleErrors, [], 'console errors')
  assert.deepEqual(seen.pageErrors, [], 'page errors')
  assert.deepEqual(seen.dialogs, [], 'dialogs')
}

test('a real import\'s report draws every chart, offline, with no console error', { timeout: 60_000 }, async () => {
  const imported = await run(['import', join(configs, 'guide-relationships.yaml'), '--embedded', '--quiet',
    '--report', 'report.json', '--html', 'report.html'])
  assert.equal(imported.code, 0, imported.stderr)
  const rendered = await run(['report', 'html', 'report.json', '-o', 'rendered.html'], 10_000)
  assert.equal(rendered.code, 0, rendered.stderr)
  const html = readFileSync(join(artifacts, 'report.html'), 'utf8')
  assert.equal(readFileSync(join(artifacts, 'rendered.html'), 'utf8'), html,
    'the saved report renders the page import wrote')

  const { page, seen, loadMs } = await open(join(artifacts, 'report.html'))
  const dom = await page.evaluate(() => {
    const drawn = el => { const b = el.getBBox(); return b.width > 0 || b.height > 0 }
    return {
      title: document.title,
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? '',
      scripts: document.scripts.length,
      external: [...document.querySelectorAll('[src],[href]')]
        .map(e => e.getAttribute('src') ?? e.getAttribute('href'))
        .filter(v => !v.startsWith('#')),
      phases: document.querySelectorAll('section.phase').length,
      charts: [...document.querySelectorAll('svg.chart')].map(svg => ({
        title: svg.querySelector('title')?.textContent ?? '',
        width: svg.getBoundingClientRect().width,
        marks: svg.querySelectorAll('.mark').length,
        drawnMarks: [...svg.querySelectorAll('.mark')].filter(drawn).length
      })),
      timelineBars: [...document.querySelectorAll('#phase-2 svg.chart')]
        .find(svg => svg.querySelector('title')?.textContent === 'Batches per worker over time')
        ?.querySelectorAll('rect.mark').length ?? 0,
      cards: [...document.querySelectorAll('header .card .k')].map(k => k.textContent),
      text: document.body.innerText
    }
  })
  await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true })
  console.log(`report.html: ${statSync(join(artifacts, 'report.html')).size} bytes, loaded in ${loadMs} ms; ` +
    `${dom.charts.length} charts; screenshot ${join(artifacts, 'report.png')}`)

  assertQuiet(seen)
  assert.match(dom.title, /guide-relationships\.yaml/)
  assert.match(dom.csp, /default-src 'none'/)
  assert.equal(dom.scripts, 0)
  assert.deepEqual(dom.external, [])
  assert.equal(dom.phases, 2)
  assert.equal(dom.charts.length, 12, 'six charts per phase')
  for (const chart of dom.charts) {
    assert.ok(chart.width > 200, `${chart.title}: laid out (${chart.width} px wide)`)
    assert.ok(chart.drawnMarks >= 1, `${chart.title}: ${chart.drawnMarks} of ${chart.marks} marks drawn`)
  }
  assert.equal(dom.timelineBars, 10, 'one bar per relationship batch')
  for (const card of ['rows committed', 'conflicts', 'retries', 'backoff time']) assert.ok(dom.cards.includes(card), card)
  assert.match(dom.text, /Memgraph \(boltload embedded\), Bolt 5\.\d/)
  assert.match(dom.text, /0 \(every row committed or skipped as bad within the tolerance\)/)
  await page.close()
})

test('markup in a report is shown as text and never runs', { timeout: 30_000 }, async () => {
  const payload = '</script><img src=x onerror=alert(1)>'
  const report = {
    report_version: 2,
    exit_code: 1,
    config_file: payload,
    phases: [{
      name: payload,
      batches: 1,
      rows_committed: 1,
      settings: { query: payload },
      attempts_histogram: { 1: 1 },
      dead_letters: [{ outcome: 'failed', code: payload, batches: 1, rows: 1, messages: [payload] }],
      worker_timeline: { bucket_s: 1, outcomes: ['first_try'], cells: [], spans: [[0, 0, 0.5, 'first_try']] }
    }]
  }
  writeFileSync(join(artifacts, 'hostile.json'), JSON.stringify(report))
  const rendered = await run(['report', 'html', 'hostile.json', '-o', 'hostile.html'], 10_000)
  assert.equal(rendered.code, 0, rendered.stderr)
  const { page, seen } = await open(join(artifacts, 'hostile.html'))
  const dom = await page.evaluate(() => ({
    images: document.images.length,
    heading: document.querySelector('#phase-1 h2').textContent,
    query: document.querySelector('#phase-1 pre.query').textContent
  }))
  assertQuiet(seen)
  assert.equal(dom.images, 0)
  assert.equal(dom.heading, `Phase 1: ${payload}`)
  assert.equal(dom.query, payload)
  await page.close()
})
