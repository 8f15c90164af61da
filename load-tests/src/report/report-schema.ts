import { z } from 'zod';

const count = z.number().int().nonnegative();
const ms = z.number().finite().nonnegative();

/** Percentiles must be ordered; a report where p99 > max is a bug in the generator, not a measurement. */
export const latencySchema = z
  .object({ p50: ms, p90: ms, p99: ms, max: ms })
  .refine(
    (l) => l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max,
    'percentiles must satisfy p50 <= p90 <= p99 <= max',
  );

/**
 * The load-test report of docs/PROTOCOL.md ("Load-test report"): the fields dashboards and CI
 * rely on. Reports carry more fields; this schema only guarantees the contract's are present and sane.
 */
export const contractReportSchema = z.object({
  connections: z.object({ opened: count, failed: count }),
  messages: z.object({ sent: count }),
  deliveries: z.object({ expected: count, received: count }),
  fanoutMs: latencySchema,
  lastRecipientMs: latencySchema,
});

export type ContractReport = z.infer<typeof contractReportSchema>;
