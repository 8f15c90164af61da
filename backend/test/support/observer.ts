import type { ChatEvent, ChatObserver } from '../../src/domain/ports.js';

/** An observer that hands events of one type to `handle` and ignores the others. */
export function on<T extends ChatEvent['type']>(
  type: T,
  handle: (event: Extract<ChatEvent, { type: T }>) => void,
): ChatObserver {
  return {
    observe: (event) => {
      if (event.type === type) handle(event as Extract<ChatEvent, { type: T }>);
    },
  };
}
