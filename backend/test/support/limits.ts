import { LIMITED_ACTIONS, type ActionLimit, type LimitedAction } from '../../src/domain/ports.js';

/**
 * A rate table for domain tests: the actions a test is about get the given per-connection limit (and a per-user
 * limit as high, unless set), every other action one too high to matter.
 */
export function testRates(
  limits: Partial<Record<LimitedAction, number | Partial<ActionLimit>>> = {},
  windowMs = 60_000,
): Record<LimitedAction, ActionLimit> {
  const entries = LIMITED_ACTIONS.map((action) => {
    const given = limits[action];
    const spec = typeof given === 'number' ? { perConnection: given } : (given ?? {});
    const perConnection = spec.perConnection ?? 10_000;
    return [
      action,
      { perConnection, perUser: spec.perUser ?? perConnection, windowMs: spec.windowMs ?? windowMs },
    ] as const;
  });
  return Object.fromEntries(entries) as Record<LimitedAction, ActionLimit>;
}
