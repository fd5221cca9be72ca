// Regenerates the capture fixtures: the request bodies PostHog's SDKs send, built with the libraries they use.
// Run from a folder where `npm install fflate lz-string@1.5.0` was done: node generate.mjs <this folder>
// Wire formats (from the SDKs' sources): posthog-node and posthog-python gzip the JSON batch and label it
// application/json + Content-Encoding: gzip; posthog-js gzip-js = fflate gzipSync(strToU8(json), {mtime: 0}) sent as
// text/plain (a Blob of that type for sendBeacon); base64 = form body data=encodeURIComponent(base64(utf-8 json));
// lz64 (older posthog-js) = form body data=encodeURIComponent(LZString.compressToBase64(json)).
import { gzipSync, strToU8 } from 'fflate'
import LZString from 'lz-string'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync as zlibGzip } from 'node:zlib'

const dir = process.argv[2] ?? '.'
const token = 'phc_fixtureToken00000000000000000000000000'
const uuid = (client, i) => `01900000-0000-7000-8000-${client.toString(16).padStart(4, '0')}${i.toString(16).padStart(8, '0')}`

// posthog-node 5.x: POST /batch/ application/json, Content-Encoding: gzip
const node = {
  api_key: token,
  batch: [0, 1, 2].map((i) => ({
    event: 'fixture node', distinct_id: `node-user-${i}`, type: 'capture', library: 'posthog-node', library_version: '5.70.0',
    uuid: uuid(1, i), timestamp: `2026-03-02T10:00:0${i}.000Z`,
    properties: { $lib: 'posthog-node', $lib_version: '5.70.0', $is_server: true, $geoip_disable: true, plan: 'café ✓' },
  })),
  sent_at: '2026-03-02T10:00:05.000Z',
}
writeFileSync(join(dir, 'posthog-node.json.gz'), zlibGzip(Buffer.from(JSON.stringify(node), 'utf8')))

// posthog-js 1.4xx: POST /e/ with {"api_key","batch":[…]}; distinct_id and token inside properties
const js = (name, n, client) => ({
  api_key: token,
  batch: Array.from({ length: n }, (_, i) => ({
    uuid: uuid(client, i), event: name, timestamp: `2026-03-02T11:00:${String(i).padStart(2, "0")}.000Z`,
    properties: {
      $os: 'Linux', $browser: 'Chrome', $lib: 'web', $lib_version: '1.449.2', distinct_id: `js-anon-${client}-${i}`,
      token, $current_url: 'https://example.com/pricing?q=a+b&c=%20', title: 'Préférences — ✓ “quoted”',
    },
  })),
})
writeFileSync(join(dir, 'posthog-js-gzip-js.bin'), gzipSync(strToU8(JSON.stringify(js('fixture js gzip', 4, 2))), { mtime: 0 }))
writeFileSync(join(dir, 'posthog-js-beacon-gzip-js.bin'), gzipSync(strToU8(JSON.stringify(js('fixture js beacon gzip', 2, 3))), { mtime: 0 }))
const base64Form = (payload) => 'data=' + encodeURIComponent(Buffer.from(JSON.stringify(payload), 'utf8').toString('base64'))
// A base64 batch well past Quarkus's old 2 KiB form field limit (about 40 KB).
writeFileSync(join(dir, 'posthog-js-base64.form'), base64Form(js('fixture js base64', 60, 4)))
writeFileSync(join(dir, 'posthog-js-beacon-base64.form'), base64Form(js('fixture js beacon base64', 3, 5)))
writeFileSync(join(dir, 'posthog-js-lz64.form'), 'data=' + encodeURIComponent(LZString.compressToBase64(JSON.stringify(js('fixture js lz64', 30, 6)))))

// For LzStringTest: texts and their compressToBase64.
const samples = ['a', 'hello hello hello hello', 'Préférences — ✓ “quoted” 𝄞 emoji 😀', JSON.stringify(js('lz sample', 5, 7)),
  'x'.repeat(5000), Array.from({ length: 2000 }, (_, i) => String.fromCharCode(32 + ((i * 7919) % 20000))).join('')]
writeFileSync(join(dir, 'lz-string-samples.json'), JSON.stringify(samples.map((text) => ({ text, base64: LZString.compressToBase64(text) }))))
