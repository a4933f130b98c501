// Validates the Milky responses the golden cases produce against the
// official Milky 1.2 schema (@saltify/milky-types 1.2.2, installed by
// `cd conformance && npm ci`): every response must parse, and carry no key
// the schema does not know (zod strips those silently, so input and output
// keys are compared).
//
//   MILKYOB11_RESPONSE_LOG=/tmp/r.jsonl go test ./translate/milkyob11 -run TestGoldenAPIs
//   node translate/milkyob11/testdata/check-responses.mjs /tmp/r.jsonl
import { readFileSync } from "node:fs";
import { zodApiCategories } from "../../../conformance/node_modules/@saltify/milky-types/dist/index.mjs";

const schemas = new Map();
for (const cat of Object.values(zodApiCategories)) {
  for (const [name, api] of Object.entries(cat.apis)) schemas.set(name, api.responseSchema);
}

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

const lines = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.trim() !== "");
let failed = 0;
const apis = new Set();
for (const line of lines) {
  const { api, data } = JSON.parse(line);
  apis.add(api);
  const schema = schemas.get(api);
  if (!schema) {
    // APIs without output have no response schema: data must be {}.
    if (JSON.stringify(data) !== "{}") { failed++; console.log(`FAIL ${api}: no output schema but data ${JSON.stringify(data)}`); }
    continue;
  }
  const r = schema.safeParse(data);
  if (!r.success) { failed++; console.log(`FAIL ${api}: ${JSON.stringify(r.error.issues)}`); continue; }
  const extra = unknownKeys(data, r.data, "data", []);
  if (extra.length) { failed++; console.log(`FAIL ${api}: unknown keys ${extra.join(", ")}`); }
}
console.log(`${lines.length - failed}/${lines.length} responses valid (${apis.size} APIs)`);
process.exit(failed ? 1 : 0);
