// One sender, N members of one room, M messages 2 s apart: each message's last-recipient latency, in order.
// node load-tests/results/2026-12-05-fanout-median/first-messages.mjs ws://127.0.0.1:3121/ 1000 12
import WebSocket from 'ws';
const url = process.argv[2]; const N = Number(process.argv[3] ?? 1000); const M = Number(process.argv[4] ?? 12);
const room = 'probe';
const sockets = [];
const last = new Map(); const sentAt = new Map(); const got = new Map();
function open(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?name=p${i}`, { perMessageDeflate: false });
    const t = setTimeout(() => reject(new Error('timeout ' + i)), 20000);
    ws.on('open', () => ws.send(JSON.stringify({ action: 'join', room })));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === 'joined') { clearTimeout(t); resolve(ws); }
      if (f.type === 'message' && sentAt.has(f.clientMsgId)) {
        const now = performance.now();
        got.set(f.clientMsgId, (got.get(f.clientMsgId) ?? 0) + 1);
        last.set(f.clientMsgId, Math.max(last.get(f.clientMsgId) ?? 0, now - sentAt.get(f.clientMsgId)));
      }
    });
    ws.on('error', reject);
  });
}
const pending = [];
for (let i = 0; i < N; i++) { pending.push(open(i)); await new Promise((r) => setTimeout(r, 20)); }
sockets.push(...(await Promise.all(pending)));
await new Promise((r) => setTimeout(r, 3000));
for (let m = 0; m < M; m++) {
  const id = `m${m}`; sentAt.set(id, performance.now());
  sockets[0].send(JSON.stringify({ action: 'send', room, text: 'x'.repeat(64), clientMsgId: id }));
  await new Promise((r) => setTimeout(r, 2000));
}
await new Promise((r) => setTimeout(r, 3000));
for (let m = 0; m < M; m++) console.log(`m${m} last ${last.get(`m${m}`)?.toFixed(1)} ms, got ${got.get(`m${m}`)}`);
for (const s of sockets) s.terminate();
process.exit(0);
