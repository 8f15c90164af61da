import { useSyncExternalStore } from 'react';
import type { ChatClient } from './chat-client.js';
import type { ChatState } from './state.js';

/**
 * Subscribes a component to the client's snapshot. The client owns all state and replaces the snapshot
 * on change, so React re-renders exactly when something changed and never tears between components.
 */
export function useChatState(client: ChatClient): ChatState {
  return useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot);
}
