// Records the feature-flag requests PostHog's SDKs send on their defaults, as fixtures: posthog-js 1.x under jsdom
// (POST /flags/?v=2, text/plain, gzip-js) -> posthog-js-flags-v2.bin; posthog-node 5.x getFeatureFlag (POST /flags/?v=4,
// application/json) -> posthog-node-flags-v4.json (written as req1.bin, req2.bin). Run where
// `npm install posthog-js posthog-node jsdom` was done: node record-flags.mjs
import http from 'node:http';
import fs from 'node:fs';
let n = 0;
const srv = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    console.log('REQ', req.method, req.url, req.headers['content-type']);
    if (req.url.includes('flags') || req.url.includes('decide')) {
      n++;
      fs.writeFileSync(`req${n}.bin`, body);
      fs.writeFileSync(`req${n}.json`, JSON.stringify({method: req.method, url: req.url, headers: req.headers}, null, 1));
    }
    res.writeHead(200, {'content-type':'application/json','access-control-allow-origin':'*'});
    res.end(req.url.includes('flags') ? '{"flags":{},"errorsWhileComputingFlags":false,"requestId":"x"}' : '{"status":1}');
  });
});
srv.listen(18999, async () => {
  const { JSDOM } = await import('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>', { url: 'http://localhost:3000/pricing', pretendToBeVisual: true });
  for (const k of ['window','document','navigator','location','localStorage','sessionStorage','XMLHttpRequest','screen','history']) { try { globalThis[k] = dom.window[k]; } catch(e){} }
  globalThis.window.fetch = globalThis.fetch;
  const m = await import('posthog-js');
  const posthog = m.default?.init ? m.default : (m.default?.default || m.posthog);
  posthog.init('phc_flagsFixture000000000000000000000000000', { api_host: 'http://127.0.0.1:18999', capture_pageview: false, autocapture: false, disable_session_recording: true, request_batching: false });
  posthog.identify('web-1');
  posthog.capture('clicked');
  await new Promise(r => setTimeout(r, 3000));
  const { PostHog } = await import('posthog-node');
  const client = new PostHog('phc_flagsFixture000000000000000000000000000', { host: 'http://127.0.0.1:18999' });
  console.log('node flag', await client.getFeatureFlag('beta', 'u-1'));
  await client.shutdown();
  srv.close(); process.exit(0);
});
