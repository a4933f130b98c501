// Validates Milky events the gateway produces (reverse direction: OneBot 11
// upstream, Milky bots) against the official Milky 1.2 schema,
// @saltify/milky-types (zod). Input: one JSON object per line,
// {"kind": "event", "value": {time, self_id, event_type, data}}, e.g. from
// eventmap/milkyob11's golden test (see its README). Strict: an event fails
// when zod rejects it, when the parse drops a key the schema does not know,
// or when the parse changes anything (IncomingSegment's .catch silently
// turns an invalid segment into "[unknown]" text; a deep comparison of input
// and output catches that).
//
// A line {"kind": "outgoing", "value": [segments], "valid": bool} instead
// checks that the gateway's decoder of bots' outgoing segments
// (milky.DecodeOutgoingMessage) agrees with the schema: "valid" is whether
// the gateway accepted the message, and zod must say the same.
//
// Usage: node check-events.mjs <events.jsonl>
import { readFileSync } from "node:fs";
import { z } from "zod";
import { milkyVersion, Event, OutgoingSegment } from "@saltify/milky-types";

const OutgoingMessage = z.array(OutgoingSegment);

const file = process.argv[2];
if (!file) {
  console.error("usage: node check-events.mjs <events.jsonl>");
  process.exit(2);
}

// diff lists paths where output differs from input (missing, extra or changed).
function diff(input, output, path, out) {
  if (Array.isArray(input) || Array.isArray(output)) {
    if (!Array.isArray(input) || !Array.isArray(output) || input.length !== output.length) {
      out.push(`${path} (array changed)`);
      return out;
    }
    input.forEach((v, i) => diff(v, output[i], `${path}[${i}]`, out));
  } else if (input && typeof input === "object" && output && typeof output === "object") {
    for (const k of Object.keys(input)) {
      if (!(k in output)) out.push(`${path}.${k} (not in the schema)`);
      else diff(input[k], output[k], `${path}.${k}`, out);
    }
    for (const k of Object.keys(output)) if (!(k in input)) out.push(`${path}.${k} (added by the schema)`);
  } else if (input !== output) {
    out.push(`${path} (${JSON.stringify(input)} became ${JSON.stringify(output)})`);
  }
  return out;
}

const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
let passed = 0;
let failed = 0;
const perType = new Map();
for (const [i, line] of lines.entries()) {
  let rec;
  try {
    rec = JSON.parse(line);
  } catch (e) {
    console.error(`line ${i + 1}: not JSON: ${e.message}`);
    failed++;
    continue;
  }
  const where = rec.source ? ` ${rec.source}` : "";
  const fail = (msg) => {
    failed++;
    console.error(`FAIL ${rec.value?.event_type}${where} (line ${i + 1}): ${msg}\n  event: ${JSON.stringify(rec.value)}`);
  };
  if (rec.kind === "outgoing") {
    perType.set("(outgoing)", (perType.get("(outgoing)") ?? 0) + 1);
    const res = OutgoingMessage.safeParse(rec.value);
    if (res.success !== rec.valid) {
      const why = res.success ? "zod accepts it" : res.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ");
      failed++;
      console.error(`FAIL outgoing${where} (line ${i + 1}): gateway ${rec.valid ? "accepted" : "rejected"}, but ${why}\n  message: ${JSON.stringify(rec.value)}`);
    } else passed++;
    continue;
  }
  if (rec.kind !== "event") {
    fail(`unknown kind ${JSON.stringify(rec.kind)}`);
    continue;
  }
  perType.set(rec.value?.event_type, (perType.get(rec.value?.event_type) ?? 0) + 1);
  const res = Event.safeParse(rec.value);
  if (!res.success) {
    fail(res.error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; "));
    continue;
  }
  const d = diff(rec.value, res.data, "", []);
  if (d.length > 0) {
    fail(d.join(", "));
    continue;
  }
  passed++;
}
const types = [...perType.keys()].sort();
console.log(`milky ${milkyVersion} event conformance: ${types.length} event types: ${types.join(", ")}`);
console.log(`events: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
