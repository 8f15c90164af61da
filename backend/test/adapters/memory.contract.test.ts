import { registerConnectionStoreContract } from '../contracts/connection-store.contract.js';
import { registerMessageStoreContract } from '../contracts/message-store.contract.js';
import { MemoryConnectionStore, MemoryMessageStore } from '../support/memory-stores.js';

registerConnectionStoreContract('memory', async ({ membersPageSize }) => new MemoryConnectionStore({ membersPageSize }));
registerMessageStoreContract('memory', async () => new MemoryMessageStore());
