/** Where the gateway reports connections, refusals and handler failures; tests pass a silent one. */
export interface GatewayLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/** The default: `npm start` shows the gateway's lines on the console, tagged so they stand apart from handler logs. */
export const consoleLogger: GatewayLogger = {
  info: (message) => console.log(`[gateway] ${message}`),
  warn: (message) => console.warn(`[gateway] ${message}`),
  error: (message, error) => console.error(`[gateway] ${message}`, error ?? ''),
};
