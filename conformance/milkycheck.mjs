// The pieces the schema checks share (check.mjs for the gateway's Milky
// traffic, check-events.mjs for mapped events and segments, and the
// simulator's zodcheck.mjs): the official schema's API table
// (@saltify/milky-types, zod), zod issues as one line, the comparisons of a
// value with what zod parsed it into (zod strips unknown keys and .catch
// hides invalid values silently, so a successful parse is not enough), and
// the loop over a JSON-lines file with its summary and exit code.
import { readFileSync } from "node:fs";
import { milkyVersion, zodApiCategories } from "@saltify/milky-types";

// Event is re-exported for scripts outside conformance/, which cannot
// import the package by name.
export { Event } from "@saltify/milky-types";

// requestSchemas and responseSchemas map an API name to its schemas (null
// or undefined when it takes or gives nothing).
export const requestSchemas = new Map();
export const responseSchemas = new Map();
for (const cat of Object.values(zodApiCategories)) {
  for (const [name, api] of Object.entries(cat.apis)) {
    requestSchemas.set(name, api.requestSchema);
    responseSchemas.set(name, api.responseSchema);
  }
}

export const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// issues is a failed parse's issues on one line.
export const issues = (error) => error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; ");

// unknownKeys lists paths present in input but dropped by the parse.
export function unknownKeys(input, output, path = "", out = []) {
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

// changes lists paths where output differs from input at all (missing,
// extra or changed): the strict form of unknownKeys.
export function changes(input, output, path = "", out = []) {
  if (Array.isArray(input) || Array.isArray(output)) {
    if (!Array.isArray(input) || !Array.isArray(output) || input.length !== output.length) {
      out.push(`${path} (array changed)`);
      return out;
    }
    input.forEach((v, i) => changes(v, output[i], `${path}[${i}]`, out));
  } else if (input && typeof input === "object" && output && typeof output === "object") {
    for (const k of Object.keys(input)) {
      if (!(k in output)) out.push(`${path}.${k} (not in the schema)`);
      else changes(input[k], output[k], `${path}.${k}`, out);
    }
    for (const k of Object.keys(output)) if (!(k in input)) out.push(`${path}.${k} (added by the schema)`);
  } else if (input !== output) {
    out.push(`${path} (${JSON.stringify(input)} became ${JSON.stringify(output)})`);
  }
  return out;
}

// checkWithSchema returns "" or why body does not match schema: zod must
// accept it without dropping a key (no schema: body must be {}).
export function checkWithSchema(schema, body) {
  if (schema === null || schema === undefined) {
    return isObject(body) && Object.keys(body).length === 0 ? "" : "takes/gives nothing; must be {}";
  }
  const res = schema.safeParse(body);
  if (!res.success) return issues(res.error);
  const extra = unknownKeys(body, res.data);
  return extra.length > 0 ? `keys not in the schema: ${extra.join(", ")}` : "";
}

// checkLines checks every record of the JSON-lines file named by the first
// argument with check(rec), which returns {label, why, show}: the label the
// summary counts records by, "" or why the record fails, and what to print
// of a failing record. It prints the failures and a summary and exits 1
// when a record failed or none passed.
export function checkLines(usage, title, check) {
  const file = process.argv[2];
  if (!file) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
  let passed = 0;
  let failed = 0;
  const perLabel = new Map();
  for (const [i, line] of lines.entries()) {
    let rec;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      console.error(`line ${i + 1}: not JSON: ${e.message}`);
      failed++;
      continue;
    }
    const { label, why, show } = check(rec);
    perLabel.set(label, (perLabel.get(label) ?? 0) + 1);
    if (why) {
      failed++;
      console.error(`FAIL ${label}${rec.source ? ` ${rec.source}` : ""} (line ${i + 1}): ${why}\n  ${show}`);
    } else passed++;
  }
  const labels = [...perLabel.keys()].sort();
  console.log(`milky ${milkyVersion} ${title}: ${labels.length} exercised: ${labels.join(", ")}`);
  console.log(`${title}: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}
