/** Short local time for a message; the full timestamp goes into the <time> element for assistive tech. */
export function formatTime(ts: number): string {
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
