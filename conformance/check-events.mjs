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
import { z } from "zod";
import { Event, OutgoingSegment } from "@saltify/milky-types";
import { changes, checkLines, issues } from "./milkycheck.mjs";

const OutgoingMessage = z.array(OutgoingSegment);

checkLines("node check-events.mjs <events.jsonl>", "event conformance", (rec) => {
  if (rec.kind === "outgoing") {
    const res = OutgoingMessage.safeParse(rec.value);
    const why = res.success === rec.valid ? "" : `gateway ${rec.valid ? "accepted" : "rejected"}, but ${res.success ? "zod accepts it" : issues(res.error)}`;
    return { label: "(outgoing)", why, show: `message: ${JSON.stringify(rec.value)}` };
  }
  const label = rec.value?.event_type;
  const show = `event: ${JSON.stringify(rec.value)}`;
  if (rec.kind !== "event") return { label, why: `unknown kind ${JSON.stringify(rec.kind)}`, show };
  const res = Event.safeParse(rec.value);
  if (!res.success) return { label, why: issues(res.error), show };
  return { label, why: changes(rec.value, res.data).join(", "), show };
});
