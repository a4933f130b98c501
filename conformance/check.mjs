// Validates a log of Milky traffic (one JSON object per line) against the
// official Milky 1.2 schema, @saltify/milky-types (zod). The gateway's tests
// write the log when GATEWAY_CONFORMANCE_LOG is set. Three kinds of line:
//   {"api": "...", "body": {...}}                    a request the gateway sent
//                                                    (milky.Client; "kind" absent
//                                                    or "request")
//   {"kind": "response", "api": "...", "body": {...}} an envelope the gateway's
//                                                    Milky server answered (200)
//   {"kind": "event", "body": {...}}                 an event it published
// A record fails when its API is unknown, when zod rejects it, or when it
// carries a key the schema does not know (zod strips those silently, so we
// compare input and output keys). Envelopes must be exactly
// {status:"ok",retcode:0,data:{...}} with data valid for the API ({} when it
// has no output) or {status:"failed",retcode:<non-zero int>,message:<string>}.
//
// Usage: node check.mjs <log.jsonl>
import { Event } from "@saltify/milky-types";
import { checkLines, checkWithSchema, isObject, requestSchemas, responseSchemas } from "./milkycheck.mjs";

const sameKeys = (o, keys) => Object.keys(o).length === keys.length && keys.every((k) => k in o);

function checkResponse(api, env) {
  if (!responseSchemas.has(api)) return "unknown Milky API";
  if (!isObject(env)) return "envelope is not an object";
  if (env.status === "ok") {
    if (!sameKeys(env, ["status", "retcode", "data"])) return "ok envelope must have exactly status, retcode, data";
    if (env.retcode !== 0) return "ok envelope needs retcode 0";
    if (!isObject(env.data)) return "data must be an object";
    const why = checkWithSchema(responseSchemas.get(api), env.data);
    return why ? `data: ${why}` : "";
  }
  if (env.status === "failed") {
    if (!sameKeys(env, ["status", "retcode", "message"])) return "failed envelope must have exactly status, retcode, message";
    if (!Number.isInteger(env.retcode) || env.retcode === 0) return "failed envelope needs a non-zero integer retcode";
    if (typeof env.message !== "string") return "message must be a string";
    return "";
  }
  return `status ${JSON.stringify(env.status)}: must be "ok" or "failed"`;
}

checkLines("node check.mjs <log.jsonl>", "schema conformance", (rec) => {
  const kind = rec.kind ?? "request";
  const label = kind === "event" ? `event:${rec.body?.event_type}` : kind === "response" ? `response:${rec.api}` : rec.api;
  let why;
  if (kind === "event") why = checkWithSchema(Event, rec.body);
  else if (kind === "response") why = checkResponse(rec.api, rec.body);
  else if (kind === "request") why = requestSchemas.has(rec.api) ? checkWithSchema(requestSchemas.get(rec.api), rec.body) : "unknown Milky API";
  else why = `unknown record kind ${JSON.stringify(kind)}`;
  return { label, why, show: `body: ${JSON.stringify(rec.body)}` };
});
