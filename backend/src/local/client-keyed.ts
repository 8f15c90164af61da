/**
 * An empty map for keys the client chooses (query string and header names, authorizer context keys): it has no
 * prototype, so a key named "constructor", "toString" or "__proto__" is only a key, as it is in the JSON event
 * the Lambda runtime parses on AWS. structuredClone or a spread turns it into a plain object with the same own
 * keys, which is what handlers get.
 */
export function clientKeyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
