// Package transport is protocol-neutral plumbing shared by the OneBot 11 and
// Milky servers and clients: a bounded peek/commit event queue, retry delays
// with capped exponential backoff and full jitter, a constant-time token
// check, URL redaction for logs and read-deadline helpers. It knows nothing
// of either protocol. Only the files named *_fasthttp.go depend on fasthttp.
package transport
