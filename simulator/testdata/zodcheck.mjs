// Validates what the simulator produced (see dumpForSchema in
// golden_test.go) against the official Milky 1.2 zod schema, with the
// checks shared by conformance/ (conformance/milkycheck.mjs; run
// `cd conformance && npm ci` first):
//   SIM_SCHEMA_DUMP=/tmp/dump.jsonl go test ./simulator
//   node simulator/testdata/zodcheck.mjs /tmp/dump.jsonl
// Events and successful responses must parse as Event or the API's response
// schema ({} when it has none) and come out of the parse unchanged: no key
// the schema lacks, no invalid value only .catch() accepts (an unknown
// segment turned into text). Accepted requests must parse as the API's
// request schema.
import { Event, changes, checkLines, checkWithSchema, issues, requestSchemas, responseSchemas } from "../../conformance/milkycheck.mjs";

// strict is "" or why value does not come out of schema's parse unchanged
// (defaults the schema adds are fine).
function strict(schema, value) {
  if (schema === null || schema === undefined) return checkWithSchema(schema, value);
  const res = schema.safeParse(value);
  if (!res.success) return issues(res.error);
  return changes(value, res.data).filter((c) => !c.endsWith("(added by the schema)")).join(", ");
}

checkLines("node zodcheck.mjs <dump.jsonl>", "simulator schema check", ({ kind, api, value }) => {
  const label = `${kind} ${api || value?.event_type}`;
  const show = `value: ${JSON.stringify(value)}`;
  if (kind === "event") return { label, why: strict(Event, value), show };
  if (kind === "response") return { label, why: strict(responseSchemas.get(api), value), show };
  const res = requestSchemas.get(api)?.safeParse(value); // no schema: takes nothing
  return { label, why: res && !res.success ? issues(res.error) : "", show };
});
