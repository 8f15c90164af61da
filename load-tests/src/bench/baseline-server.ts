import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameError, NAME_PATTERN, parseClientFrame, type ServerFrame, type User } from '@chat/backend/protocol';

export interface BaselineServer {
  /** ws://127.0.0.1:<port>/ */
  url: string;
  close(): Promise<void>;
}

/**
 * The fastest honest implementation of the contract's fan-out: one process, rooms in memory, one
 * JSON.stringify per message sent to every member, no storage, no Lambda, no presence. Reports compare the
 * target to it, so a number like "p99 = 14x baseline" separates the architecture's cost from the
 * machine's. Speaks join, leave, send (ack + message), ping; refuses the handshake like the contract does.
 * Deliberately omitted: presence, history, full member lists, storage, idempotency.
 */
export interface BaselineOptions {
  /** Default 127.0.0.1: the baseline is for this machine only. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Guest names to refuse with 403, to rehearse partial failure. */
  refuse?: (name: string) => boolean;
  /** Raw texts sent to each joiner right after `joined`, to rehearse a newer server's frames or broken ones. */
  afterJoined?: readonly string[];
}

type ClientFrame = ReturnType<typeof parseClientFrame>;

const post = (ws: WebSocket, frame: ServerFrame): void => ws.send(JSON.stringify(frame));

/** The baseline's chat state: rooms of sockets, each socket's user, and one route per client action. */
class BaselineRooms {
  private readonly rooms = new Map<string, Set<WebSocket>>();
  private readonly users = new WeakMap<WebSocket, User>();
  /** Rooms each socket joined, so a close leaves them all. */
  private readonly joined = new WeakMap<WebSocket, Set<string>>();
  private seq = 0;

  constructor(private readonly afterJoined: readonly string[] = []) {}

  connect(ws: WebSocket, name: string): void {
    this.users.set(ws, { userId: `u-${name}`, name });
    this.joined.set(ws, new Set());
  }

  disconnect(ws: WebSocket): void {
    for (const room of this.joined.get(ws) ?? []) this.rooms.get(room)?.delete(ws);
  }

  handle(ws: WebSocket, frame: ClientFrame): void {
    const joined = this.joined.get(ws)!;
    switch (frame.action) {
      case 'join': {
        let members = this.rooms.get(frame.room);
        if (!members) this.rooms.set(frame.room, (members = new Set()));
        members.add(ws);
        joined.add(frame.room);
        // Only the joiner in `members`: a full list makes joining a room of n cost O(n^2) bytes, which
        // would measure the member list, not fan-out.
        post(ws, { type: 'joined', room: frame.room, members: [this.users.get(ws)!], history: [] });
        for (const text of this.afterJoined) ws.send(text);
        return;
      }
      case 'leave':
        this.rooms.get(frame.room)?.delete(ws);
        joined.delete(frame.room);
        post(ws, { type: 'left', room: frame.room });
        return;
      case 'send':
        this.send(ws, frame);
        return;
      case 'ping':
        post(ws, { type: 'pong' });
        return;
      default:
        post(ws, {
          type: 'error',
          code: 'unknown_action',
          message: `baseline does not serve "${frame.action}"`,
          action: frame.action,
        });
    }
  }

  /** Acks the sender, then writes one serialized message to every member, the sender included. */
  private send(ws: WebSocket, frame: Extract<ClientFrame, { action: 'send' }>): void {
    const members = this.rooms.get(frame.room);
    if (!members || !this.joined.get(ws)!.has(frame.room)) {
      post(ws, {
        type: 'error',
        code: 'not_member',
        message: 'join the room first',
        action: 'send',
        clientMsgId: frame.clientMsgId,
      });
      return;
    }
    const ts = Date.now();
    const id = `${ts.toString().padStart(15, '0')}-${(this.seq++).toString(36)}`;
    post(ws, { type: 'ack', clientMsgId: frame.clientMsgId, id, ts });
    const text = JSON.stringify({
      type: 'message',
      room: frame.room,
      id,
      ts,
      sender: this.users.get(ws)!,
      text: frame.text,
      clientMsgId: frame.clientMsgId,
    } satisfies ServerFrame);
    for (const member of members) member.send(text);
  }
}

export function startBaselineServer(options: BaselineOptions = {}): Promise<BaselineServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const rooms = new BaselineRooms(options.afterJoined);
  const wss = new WebSocketServer({
    host,
    port,
    perMessageDeflate: false,
    verifyClient: ({ req }, done) => {
      const params = new URL(req.url ?? '/', 'ws://baseline').searchParams;
      const name = params.get('name') ?? (params.has('token') ? 'jwt-user' : null);
      if (name === null) return done(false, 401, 'missing credentials');
      if (!NAME_PATTERN.test(name)) return done(false, 400, 'bad name');
      if (options.refuse?.(name)) return done(false, 403, 'denied');
      done(true);
    },
  });

  wss.on('connection', (ws, req) => {
    const params = new URL(req.url ?? '/', 'ws://baseline').searchParams;
    rooms.connect(ws, params.get('name') ?? 'jwt-user');
    ws.on('message', (data) => {
      let frame;
      try {
        frame = parseClientFrame(data.toString());
      } catch (error) {
        if (error instanceof FrameError) post(ws, error.toFrame());
        return;
      }
      rooms.handle(ws, frame);
    });
    ws.on('close', () => rooms.disconnect(ws));
  });

  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => {
      const address = wss.address() as AddressInfo;
      resolve({
        url: `ws://${host}:${address.port}/`,
        close: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}
