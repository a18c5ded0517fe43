/**
 * The W3C `traceparent` an MCP client put in a request's `_meta` (the place MCP gives for
 * trace context), for the client to make the execution's runs children of it. Anything
 * but a string is left out; a malformed string is ignored further on, as W3C asks.
 */
export function traceparentOf(extra: { _meta?: Record<string, unknown> | undefined }): { traceparent?: string } {
  const value = extra._meta?.traceparent
  return typeof value === 'string' ? { traceparent: value } : {}
}
