import type { ServerFrame } from '@chat/backend/protocol';
import { addNotice, dispatchRoom } from './chat-state.js';
import { Emitter } from './emitter.js';
import type { RoomEvent } from './room-reducer.js';
import type { ChatState, ConnectionStatus, Notice } from './state.js';

/** For callers that need edges rather than snapshots, e.g. logging frames or toasting a notice once. */
export interface ChatClientEvents {
  status: (status: ConnectionStatus) => void;
  frame: (frame: ServerFrame) => void;
  notice: (notice: Notice) => void;
}

/**
 * The client's immutable snapshot and who hears about it: subscribe/getSnapshot in the shape
 * `useSyncExternalStore` expects, plus the edge events. Replacing the snapshot is the only way state changes.
 */
export class ChatStore {
  readonly events = new Emitter<ChatClientEvents>();
  private readonly listeners = new Set<() => void>();
  private noticeSeq = 0;

  constructor(
    private state: ChatState,
    private readonly now: () => number,
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): ChatState => this.state;

  /** Replaces the snapshot and tells every subscriber; the same object means no change and no render. */
  set(next: ChatState): void {
    if (next === this.state) return;
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }

  dispatch(room: string, event: RoomEvent): void {
    this.set(dispatchRoom(this.state, room, event));
  }

  /** Shows a notice (numbered so the UI can dismiss it) and emits it once. */
  notice(code: Notice['code'], message: string, action?: string): void {
    this.noticeSeq += 1;
    const notice: Notice = { id: this.noticeSeq, code, message, at: this.now(), ...(action ? { action } : {}) };
    this.set(addNotice(this.state, notice));
    this.events.emit('notice', notice);
  }
}
