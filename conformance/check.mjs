// Validates a log of Milky requests (one JSON object per line:
// {"api": "...", "body": {...}}) against the official Milky 1.2 schema,
// @saltify/milky-types (zod). The gateway's tests write the log when
// GATEWAY_CONFORMANCE_LOG is set. A request fails when its API is unknown,
// when zod rejects the body, or when the body carries a key the schema does
// not know (zod strips those silently, so we compare input and output keys).
//
// Usage: node check.mjs <log.jsonl>
import { readFileSync } from "node:fs";
import { milkyVersion, zodApiCategories } from "@saltify/milky-types";

const file = process.argv[2];
if (!file) {
  console.error("usage: node check.mjs <log.jsonl>");
  process.exit(2);
}

const schemas = new Map();
for (const cat of Object.values(zodApiCategories)) {
  for (const [name, api] of Object.entries(cat.apis)) schemas.set(name, api.requestSchema);
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
    console.error(`FAIL ${rec.api} (line ${i + 1}): ${msg}\n  body: ${JSON.stringify(rec.body)}`);
  };
  perAPI.set(rec.api, (perAPI.get(rec.api) ?? 0) + 1);
  if (!schemas.has(rec.api)) {
    fail("unknown Milky API");
    continue;
  }
  const schema = schemas.get(rec.api);
  if (schema === null) {
    if (rec.body && typeof rec.body === "object" && !Array.isArray(rec.body) && Object.keys(rec.body).length === 0) passed++;
    else fail("API takes no input; body must be {}");
    continue;
  }
  const res = schema.safeParse(rec.body);
  if (!res.success) {
    fail(res.error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; "));
    continue;
  }
  const extra = unknownKeys(rec.body, res.data, "", []);
  if (extra.length > 0) {
    fail(`keys not in the schema: ${extra.join(", ")}`);
    continue;
  }
  passed++;
}
const apis = [...perAPI.keys()].sort();
console.log(`milky ${milkyVersion} schema conformance: ${apis.length} APIs exercised: ${apis.join(", ")}`);
console.log(`conformance: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
