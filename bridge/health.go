package bridge

import (
	"net/http"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
)

// healthMux serves /metrics, /healthz (the process is alive and serving) and
// /readyz (the upstream API answers and its event stream is connected).
func (g *MilkyOneBot) healthMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", g.metrics.Handler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		api := g.caller != nil && g.caller.ok.Load()
		stream := g.client != nil && g.client.StreamConnected()
		body, _ := json.Marshal(map[string]any{
			"ready": api && stream, "upstream_api": api, "upstream_events": stream,
			"self_id": g.selfID.Load(), "downstream": g.ob.Connections(),
		})
		w.Header().Set("Content-Type", "application/json")
		if !(api && stream) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(append(body, '\n'))
	})
	return mux
}

// eventName is the bounded metrics label of an outgoing OneBot event.
func eventName(ev any) string {
	switch e := ev.(type) {
	case *onebot11.MessageEvent:
		return e.PostType + "." + e.MessageType
	case onebot11.MessageEvent:
		return e.PostType + "." + e.MessageType
	case *onebot11.NoticeEvent:
		return "notice." + e.NoticeType
	case onebot11.NoticeEvent:
		return "notice." + e.NoticeType
	case *onebot11.RequestEvent:
		return "request." + e.RequestType
	case onebot11.RequestEvent:
		return "request." + e.RequestType
	}
	return "other"
}
