// The floor bundle-init compares bundles with: a handler with no dependencies that answers its caller with one raw
// node:http POST to the @connections API (no SDK, no signing, no store), loaded and invoked like a bundle.
const http = require('node:http');

exports.handler = async (event) => {
  const url = new URL(
    `@connections/${encodeURIComponent(event.requestContext.connectionId)}`,
    `${process.env.APIGW_MANAGEMENT_ENDPOINT}/`,
  );
  const statusCode = await new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    });
    req.once('error', reject);
    req.end('{"type":"pong"}');
  });
  if (statusCode !== 200) throw new Error(`@connections answered ${statusCode}`);
  return { statusCode: 200 };
};
