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
import { readFileSync } from "node:fs";
import { Event, milkyVersion, zodApiCategories } from "@saltify/milky-types";

const file = process.argv[2];
if (!file) {
  console.error("usage: node check.mjs <log.jsonl>");
  process.exit(2);
}

const schemas = new Map();
const responseSchemas = new Map();
for (const cat of Object.values(zodApiCategories)) {
  for (const [name, api] of Object.entries(cat.apis)) {
    schemas.set(name, api.requestSchema);
    responseSchemas.set(name, api.responseSchema);
  }
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const sameKeys = (o, keys) => Object.keys(o).length === keys.length && keys.every((k) => k in o);

// checkWithSchema returns "" or why body does not match schema (null schema:
// body must be {}).
function checkWithSchema(schema, body) {
  if (schema === null || schema === undefined) {
    return isObject(body) && Object.keys(body).length === 0 ? "" : "takes/gives nothing; must be {}";
  }
  const res = schema.safeParse(body);
  if (!res.success) return res.error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; ");
  const extra = unknownKeys(body, res.data, "", []);
  return extra.length > 0 ? `keys not in the schema: ${extra.join(", ")}` : "";
}

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

// unknownKeys lists paths present in input but dropped by the parse.
function unknownKeys(input, output, path, out) {
  if (Array.isArray(input) && Array.isArray(output)) {
    input.forEach((v, i) => unknownKeys(v, output[i], `${path}[${i}]`, out));
  } else if (input && typeof input === "object" && output && typeof output === "object") {
    for (const k of Object.keys(input)) {
      if (!(k in output)) out.push(`${path}.${k}`);
      else unknownKeys(input[k], output[k], `${path}.${k}`, out);
    }
  }
  return out;
}

const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
let passed = 0;
let failed = 0;
const perAPI = new Map();
for (const [i, line] of lines.entries()) {
  let rec;
  try {
    rec = JSON.parse(line);
  } catch (e) {
    console.error(`line ${i + 1}: not JSON: ${e.message}`);
    failed++;
    continue;
  }
  const fail = (msg) => {
    failed++;
    console.error(`FAIL ${rec.kind ?? "request"} ${rec.api ?? rec.body?.event_type} (line ${i + 1}): ${msg}\n  body: ${JSON.stringify(rec.body)}`);
  };
  const kind = rec.kind ?? "request";
  const label = kind === "event" ? `event:${rec.body?.event_type}` : kind === "response" ? `response:${rec.api}` : rec.api;
  perAPI.set(label, (perAPI.get(label) ?? 0) + 1);
  let why;
  if (kind === "event") why = checkWithSchema(Event, rec.body);
  else if (kind === "response") why = checkResponse(rec.api, rec.body);
  else if (kind === "request") why = schemas.has(rec.api) ? checkWithSchema(schemas.get(rec.api), rec.body) : "unknown Milky API";
  else why = `unknown record kind ${JSON.stringify(kind)}`;
  if (why) {
    fail(why);
    continue;
  }
  passed++;
}
const apis = [...perAPI.keys()].sort();
console.log(`milky ${milkyVersion} schema conformance: ${apis.length} APIs/events exercised: ${apis.join(", ")}`);
console.log(`conformance: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
