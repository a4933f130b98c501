package simulator

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New(Options{Now: func() time.Time { return testNow }}).Close()
	}
}

func BenchmarkSendGroupMessage(b *testing.B) {
	s := New(Options{Now: func() time.Time { return testNow }})
	defer s.Close()
	body := []byte(fmt.Sprintf(`{"group_id": %d, "message": [{"type": "text", "data": {"text": "hello"}}, {"type": "face", "data": {"face_id": "14"}}]}`, s.Groups()[0].GroupID))
	benchAPI(b, s, "send_group_message", body)
}

func BenchmarkGetHistory30(b *testing.B) {
	s := New(Options{Now: func() time.Time { return testNow }})
	defer s.Close()
	g := s.Groups()[0].GroupID
	for range 100 {
		s.ReceiveGroupMessage(g, s.Members(g)[1].UserID, textSegs("x"))
	}
	body := []byte(fmt.Sprintf(`{"message_scene": "group", "peer_id": %d, "limit": 30}`, g))
	benchAPI(b, s, "get_history_messages", body)
}

// benchAPI measures one in-process API call.
func benchAPI(b *testing.B, s *Sim, api string, body []byte) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.HandleAPI(ctx, api, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHTTPSendGroupMessage is one API call over loopback HTTP,
// through the milky server, including the event fan-out queueing.
func BenchmarkHTTPSendGroupMessage(b *testing.B) {
	s := New(Options{Now: func() time.Time { return testNow }})
	defer s.Close()
	base, err := s.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	body := fmt.Sprintf(`{"group_id": %d, "message": [{"type": "text", "data": {"text": "hello"}}]}`, s.Groups()[0].GroupID)
	for b.Loop() {
		resp, err := http.Post(base+"/api/send_group_message", "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
}
