package main

// direction is what differs between the gateway's two directions: the fake
// upstream, the event it pushes, and how a bot reads events and calls
// send-group-message. The driver, the relay and the report are shared.
type direction struct {
	name  string
	title string
	// gatewayArgs select the direction on the gateway's command line.
	gatewayArgs []string
	newUpstream func() (upstream, error)
	template    func(groups int) *frameTemplate
	// botEvents is the gateway path a bot reads events on (WebSocket).
	botEvents string
	// httpPath and httpBody: send-group-message over HTTP, on the gateway
	// and, the same request, on the relay.
	httpPath, httpBody string
	// wsPath and wsFrame: the same over the gateway's WebSocket API; empty
	// when the protocol served to bots has none.
	wsPath  string
	wsFrame []byte
	// action is the send-group-message call's name on the bot side.
	action string
	// relayWrap is the action name the relay wraps an HTTP body in when the
	// upstream takes actions as OneBot 11 WebSocket frames.
	relayWrap string
}

var directions = map[string]*direction{
	"ob11milky": {
		name:        "ob11milky",
		title:       "OneBot 11 bots on a Milky upstream",
		gatewayArgs: nil, // the default direction
		newUpstream: func() (upstream, error) { return startMilkyUpstream() },
		template:    milkyGroupMessage,
		botEvents:   "/", // universal forward WebSocket
		action:      "send_group_msg",
		httpPath:    "/send_group_msg",
		httpBody:    oneBotSendGroupMsg,
		wsPath:      "/api",
		wsFrame:     oneBotWSFrame("send_group_msg", oneBotSendGroupMsg),
	},
	"milkyob11": {
		name:        "milkyob11",
		title:       "Milky bots on a OneBot 11 upstream",
		gatewayArgs: []string{"--upstream-protocol", "onebot11", "--downstream", "milky"},
		newUpstream: func() (upstream, error) { return startOneBotUpstream() },
		template:    oneBotGroupMessage,
		botEvents:   "/event",
		action:      "send_group_message",
		httpPath:    "/api/send_group_message",
		httpBody:    milkySendGroupMessage,
		relayWrap:   "send_group_msg",
	},
}
