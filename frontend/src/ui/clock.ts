import { useEffect, useState } from 'react';

/**
 * Re-renders every `intervalMs` while `active`, for countdowns and relative times. The time itself comes from
 * the caller's clock (the chat client's, so tests with a manual clock stay consistent); this only paces renders.
 */
export function useTicker(active: boolean, intervalMs = 1_000): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((t) => t + 1), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
}
