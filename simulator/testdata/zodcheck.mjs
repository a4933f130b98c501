// Validates what the simulator produced (see dumpForSchema in
// golden_test.go) against the official Milky 1.2 zod schema:
//   SIM_SCHEMA_DUMP=/tmp/dump.jsonl go test ./simulator
//   node simulator/testdata/zodcheck.mjs /tmp/dump.jsonl [path/to/@saltify/milky-types]
// Events must parse as Event, successful responses as the API's response
// schema (or {} when it has none), and accepted requests as its request
// schema. Unknown keys are reported too (zod would silently strip them).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dump, pkg = "/tmp/npmprobe/node_modules/@saltify/milky-types"] = process.argv.slice(2);
const m = await import(pathToFileURL(path.join(pkg, "dist/index.mjs")).href);
const apis = {};
for (const cat of Object.values(m.zodApiCategories)) Object.assign(apis, cat.apis);

// strictly walks value against a zod schema, listing keys the schema lacks.
function extraKeys(schema, value, where, out) {
  if (value === null || typeof value !== "object" || !schema) return;
  let s = schema;
  for (let i = 0; i < 10 && s; i++) {
    const d = s._def ?? s.def;
    if (!d) break;
    if (d.type === "lazy" || d.typeName === "ZodLazy") { s = d.getter(); continue; }
    if (d.type === "catch") {
      // .catch() would hide an invalid value (unknown segment → text): the
      // simulator must never rely on it.
      const r = d.innerType.safeParse(value);
      if (!r.success) { out.push(`${where} (invalid, only accepted by .catch: ${JSON.stringify(r.error.issues).slice(0, 300)})`); return; }
      s = d.innerType; continue;
    }
    if (["optional", "nullable", "default", "pipe", "transform", "prefault", "readonly"].includes(d.type)) {
      s = d.innerType ?? d.in ?? d.schema; continue;
    }
    break;
  }
  const d = s?._def ?? s?.def;
  if (!d) return;
  if (d.type === "array" && Array.isArray(value)) {
    value.forEach((v, i) => extraKeys(d.element, v, `${where}[${i}]`, out));
  } else if (d.type === "union" || d.type === "discriminated_union" || d.type === "discriminatedUnion") {
    const opts = d.options;
    const match = opts.find((o) => o.safeParse(value).success);
    if (match) extraKeys(match, value, where, out);
  } else if (d.type === "object") {
    const shape = typeof d.shape === "function" ? d.shape() : d.shape;
    for (const k of Object.keys(value)) {
      if (!(k in shape)) out.push(`${where}.${k}`);
      else extraKeys(shape[k], value[k], `${where}.${k}`, out);
    }
  }
}

let n = 0, bad = 0;
for (const line of fs.readFileSync(dump, "utf8").split("\n")) {
  if (!line.trim()) continue;
  n++;
  const { kind, api, value } = JSON.parse(line);
  let schema;
  if (kind === "event") schema = m.Event;
  else if (kind === "response") schema = apis[api]?.responseSchema ?? null;
  else schema = apis[api]?.requestSchema ?? null;
  if (schema === null) {
    if (kind === "response" && JSON.stringify(value) !== "{}") { bad++; console.log(`${kind} ${api}: want {}, got ${JSON.stringify(value)}`); }
    continue;
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    bad++;
    console.log(`${kind} ${api || value.event_type}: ${JSON.stringify(r.error.issues).slice(0, 600)}`);
    continue;
  }
  if (kind !== "request") {
    const extra = [];
    extraKeys(schema, value, "", extra);
    if (extra.length) { bad++; console.log(`${kind} ${api || value.event_type}: unknown keys or caught values ${extra.join(", ")}`); }
  }
}
console.log(`${n} payloads checked, ${bad} invalid`);
process.exit(bad ? 1 : 0);
