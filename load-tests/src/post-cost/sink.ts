/**
 * A stand-in for the @connections endpoint that only counts, run as a child process by the post-cost bench so
 * its CPU is not billed to the client being measured. POST /@connections/{id} answers 200 (counting the posts
 * signed with SigV4 apart), GET /count answers the counts. Prints "listening <port>" once bound to 127.0.0.1,
 * and exits when its stdin closes, so it cannot outlive the bench.
 */
import { createServer } from 'node:http';

const counts = { posts: 0, signed: 0 };

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counts));
    return;
  }
  if (req.method === 'POST' && req.url?.startsWith('/@connections/') === true) {
    const signed = req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ') === true;
    req.resume();
    req.on('end', () => {
      counts.posts += 1;
      if (signed) counts.signed += 1;
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
    return;
  }
  res.writeHead(404, { 'content-length': '0' });
  res.end();
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : ''}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
