package bridge

import (
	"net/http"
	"net/http/pprof"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
)

// healthMux serves /metrics, /healthz (the process is alive and serving) and
// /readyz (Runtime.Ready: the upstream's account is known, its API answers
// and its event stream is connected).
func (rt *Runtime) healthMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", rt.Metrics.Handler())
	if rt.Opts.Pprof {
		// An operator profiles a live gateway with
		// go tool pprof http://METRICS/debug/pprof/profile?seconds=30.
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		api, stream := rt.dir.Status()
		ready := rt.Ready()
		up, down := rt.dir.Protocols()
		body, _ := json.Marshal(map[string]any{
			"ready": ready, "upstream_api": api, "upstream_events": stream,
			"upstream_protocol": up, "downstream_protocol": down,
			"self_id": rt.SelfID(), "account_known": rt.probed.Load(), "downstream": rt.dir.Connections(),
		})
		w.Header().Set("Content-Type", "application/json")
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(append(body, '\n'))
	})
	return mux
}

// oneBotEventName is the bounded metrics label of an outgoing OneBot event.
func oneBotEventName(ev any) string {
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
