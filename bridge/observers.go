package bridge

import (
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/metrics"
	milkyserver "github.com/qqbridge/gateway/milky/server"
	ob11client "github.com/qqbridge/gateway/onebot11/client"
)

// Adapters from the reverse direction's transports to the metrics package,
// which was shaped by the first direction's (OneBot 11 server, Milky client)
// observer interfaces.

type fasthttpHandler = fasthttp.RequestHandler

// reverseIDs is what the reverse direction needs of the id store.
type reverseIDs interface {
	idmap.SeqMapper
	idmap.FlagMapper
}

// ob11ClientObserver adapts the OneBot 11 client's hooks.
type ob11ClientObserver struct{ m *metrics.Metrics }

var _ ob11client.Observer = ob11ClientObserver{}

func (o ob11ClientObserver) APICall(action string, seconds float64, err error) {
	o.m.APICall(action, seconds, err)
}
func (o ob11ClientObserver) StreamConnected(transport string) { o.m.StreamConnected(transport) }
func (o ob11ClientObserver) StreamDisconnected(transport string, err error) {
	o.m.StreamDisconnected(transport, err)
}
func (o ob11ClientObserver) ReconnectScheduled(transport string, attempt int, delaySeconds float64) {
	o.m.StreamReconnect(transport, attempt, delaySeconds)
}
func (o ob11ClientObserver) EventDropped(transport, reason string) {
	o.m.EventDropped("upstream_"+transport, reason)
}

// milkyServerObserver adapts the Milky server's hooks.
type milkyServerObserver struct{ m *metrics.Metrics }

var _ milkyserver.Observer = milkyServerObserver{}

func (o milkyServerObserver) ConnOpened(transport string) { o.m.ConnOpened(transport, "") }
func (o milkyServerObserver) ConnClosed(transport string) { o.m.ConnClosed(transport, "", nil) }
func (o milkyServerObserver) APICall(api string, httpStatus, retcode int, seconds float64) {
	if api == "" {
		api = "unknown" // refused before the handler: no label from the path
	}
	o.m.MilkyActionDone(api, httpStatus, retcode, seconds)
}
func (o milkyServerObserver) EventDropped(transport, reason string) {
	o.m.EventDropped(transport, reason)
}
func (o milkyServerObserver) QueueDepth(transport, target string, depth int) {
	o.m.QueueDepth(transport, target, depth)
}
