package ob11fake

import "time"

// Event builders for tests. They return maps so a test can add or change
// fields freely.

// Lifecycle is a lifecycle meta event (sub_type connect, enable or disable).
func Lifecycle(selfID int64, subType string) map[string]any {
	return map[string]any{"time": time.Now().Unix(), "self_id": selfID, "post_type": "meta_event",
		"meta_event_type": "lifecycle", "sub_type": subType}
}

// Heartbeat is a heartbeat meta event with interval in milliseconds.
func Heartbeat(selfID int64, intervalMs int64, online bool) map[string]any {
	return map[string]any{"time": time.Now().Unix(), "self_id": selfID, "post_type": "meta_event",
		"meta_event_type": "heartbeat", "interval": intervalMs,
		"status": map[string]any{"online": online, "good": online}}
}

// PrivateMessage is a private text message event whose message_id is n;
// tests number events with it to check order.
func PrivateMessage(selfID int64, n int, text string) map[string]any {
	return map[string]any{"time": time.Now().Unix(), "self_id": selfID, "post_type": "message",
		"message_type": "private", "sub_type": "friend", "message_id": n, "user_id": 20002,
		"message":     []any{map[string]any{"type": "text", "data": map[string]any{"text": text}}},
		"raw_message": text, "font": 0, "sender": map[string]any{"user_id": 20002, "nickname": "friend"}}
}
