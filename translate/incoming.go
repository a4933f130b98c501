package translate

import (
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// PLACEHOLDER: the eventmap helper replaces this file with the real
// Milky -> OneBot 11 segment and message conversion. Signatures are fixed.

// IncomingSegments converts received Milky segments to OneBot 11 segments.
func (e *Env) IncomingSegments(scene string, peer int64, segs []milky.IncomingSegment) []onebot11.Segment {
	out := make([]onebot11.Segment, 0, len(segs))
	for _, s := range segs {
		if s.Type == milky.SegText {
			out = append(out, onebot11.Segment{Type: "text", Data: map[string]any{"text": s.Data.Text}})
		}
	}
	return out
}

// MessageEvent converts a received (or fetched) Milky message to a OneBot 11
// message event (post_type message, or message_sent for the bot's own).
func (e *Env) MessageEvent(msg *milky.IncomingMessage) *onebot11.MessageEvent {
	segs := e.IncomingSegments(msg.MessageScene, msg.PeerID, msg.Segments)
	ev := &onebot11.MessageEvent{}
	ev.Message = segs
	ev.RawMessage = onebot11.FormatCQ(segs)
	return ev
}
