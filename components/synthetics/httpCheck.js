// The platform's HTTP canary (components/synthetics): one HTTPS GET of
// TARGET_URL per run; the run fails unless the response status is
// EXPECT_STATUS. Both come from the canary's run configuration, so every
// canary shares this one script. It uses the @aws/synthetics-* module
// names of syn-nodejs-puppeteer-13.1 and later.
const synthetics = require('@aws/synthetics-puppeteer');
const log = require('@aws/synthetics-logger');

const check = async function () {
  const url = new URL(process.env.TARGET_URL);
  const expected = Number(process.env.EXPECT_STATUS);
  if (url.protocol !== 'https:') {
    throw new Error(`TARGET_URL must be https, got ${url.protocol}`);
  }
  // Reports and HAR files land in the artifacts bucket: keep headers and
  // bodies (cookies, tokens, personal data) out of them.
  synthetics.getConfiguration().setConfig({
    includeRequestHeaders: false,
    includeResponseHeaders: false,
    includeRequestBody: false,
    includeResponseBody: false,
  });
  const request = {
    hostname: url.hostname,
    port: url.port || 443,
    path: url.pathname + url.search,
    method: 'GET',
    protocol: 'https:',
    headers: { 'User-Agent': synthetics.getCanaryUserAgentString() },
  };
  await synthetics.executeHttpStep(`GET ${url.hostname}${url.pathname}`, request, (res) =>
    new Promise((resolve, reject) => {
      if (res.statusCode !== expected) {
        res.resume();
        reject(new Error(`expected HTTP ${expected}, got ${res.statusCode}`));
        return;
      }
      log.info(`HTTP ${res.statusCode} from ${url.hostname}`);
      res.on('error', reject);
      res.on('end', resolve);
      res.resume(); // drain the body: 'end' only fires once it is read
    }));
};

exports.handler = async () => check();
