import { registerConnectionStoreContract } from '../contracts/connection-store.contract.js';
import { registerFanoutClaimsContract } from '../contracts/fanout-claims.contract.js';
import { registerMessageStoreContract } from '../contracts/message-store.contract.js';
import { registerRateLimiterContract } from '../contracts/rate-limiter.contract.js';
import {
  MemoryConnectionStore,
  MemoryFanoutClaims,
  MemoryMessageStore,
  MemoryRateLimiter,
} from '../support/memory-stores.js';

registerConnectionStoreContract(
  'memory',
  async ({ membersPageSize, shardSize }) =>
    new MemoryConnectionStore({ membersPageSize, ...(shardSize !== undefined ? { shardSize } : {}) }),
);
registerMessageStoreContract('memory', async () => new MemoryMessageStore());
registerFanoutClaimsContract('memory', async () => {
  const claims = new MemoryFanoutClaims();
  return { claims, messages: new MemoryMessageStore(), sibling: () => claims.sibling() };
});

registerRateLimiterContract('memory', async () => {
  let now = 0;
  const connections = new MemoryConnectionStore();
  return { connections, limiter: new MemoryRateLimiter(connections, { now: () => now }), setNow: (ms) => (now = ms) };
});
