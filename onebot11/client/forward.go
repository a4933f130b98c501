package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/qqbridge/gateway/transport"
)

// handshakeExtra is added to DialTimeout for the WebSocket handshake (and
// TLS) after the TCP connect.
const handshakeExtra = 3 * time.Second

// forwardLoop owns the forward WebSocket: dial, read until it breaks, wait,
// redial. One connection at a time, on this goroutine, so the old reader
// has returned before the next connection delivers anything: a reconnect
// never duplicates or reorders events.
func (c *Client) forwardLoop() {
	defer c.wg.Done()
	label := redact(c.cfg.URL)
	dialer := websocket.Dialer{
		NetDialContext:   (&net.Dialer{Timeout: c.cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: c.cfg.DialTimeout + handshakeExtra,
		ReadBufferSize:   32 << 10,
		WriteBufferSize:  8 << 10,
	}
	header := http.Header{}
	if c.cfg.Token != "" {
		header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	bo := transport.Backoff{Min: c.cfg.MinBackoff, Max: c.cfg.MaxBackoff, Rand: c.rand}
	for c.base.Err() == nil {
		l, err := c.dialForward(&dialer, header)
		if err == nil {
			start := time.Now()
			c.runLink(l, label)
			// As milky/client's event stream: only a connection that
			// lasted or did work starts the back-off over, so an upstream
			// that accepts and drops at once (another client taking its
			// only socket, a rejected token) is not redialled flat out.
			if time.Since(start) > transport.HealthyConnection || l.worked > 0 {
				bo.Reset()
			}
		}
		if c.base.Err() != nil {
			return
		}
		delay := bo.Next()
		attempt := bo.Attempt()
		if err != nil {
			c.log.Warn("onebot11 upstream websocket connect failed", "url", label, "err", err, "attempt", attempt,
				"retry_in", delay.Round(time.Millisecond))
		}
		if c.obs != nil {
			c.obs.ReconnectScheduled(TransportWS, attempt, delay.Seconds())
		}
		t := time.NewTimer(delay)
		select {
		case <-c.base.Done():
			t.Stop()
			return
		case <-c.kick: // a Call wants the upstream now
			t.Stop()
		case <-t.C:
		}
	}
}

// dialForward makes one connection attempt and tells waiting calls how it went.
func (c *Client) dialForward(d *websocket.Dialer, header http.Header) (*link, error) {
	c.mu.Lock()
	c.dialing = true
	select {
	case <-c.kick: // the call that asked waits for this dial (dialNote)
	default:
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.base, d.HandshakeTimeout)
	conn, resp, err := d.DialContext(ctx, c.cfg.URL, header)
	cancel()
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		switch {
		case resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
			err = fmt.Errorf("websocket handshake: HTTP %d: %s", resp.StatusCode, errAuthHint)
		case resp != nil:
			err = fmt.Errorf("websocket handshake: HTTP %d: %w", resp.StatusCode, err)
		default:
			err = fmt.Errorf("websocket dial: %w", redactErr(err))
		}
	}
	var l *link
	if err == nil {
		l = newLink(c, conn, TransportWS, true, true)
	}
	c.mu.Lock()
	if err == nil && c.closed {
		err = errClosed
	}
	c.dialing = false
	c.lastDialErr, c.lastDialAt = err, time.Now()
	if err == nil {
		c.resetStream()
		c.apiLink, c.evLink = l, l
	}
	close(c.dialNote)
	c.dialNote = make(chan struct{})
	c.mu.Unlock()
	if err != nil {
		if conn != nil {
			_ = conn.Close()
		}
		return nil, err
	}
	return l, nil
}

// runLink serves an installed link until it breaks, then uninstalls it.
func (c *Client) runLink(l *link, label string) {
	c.log.Info("onebot11 upstream connected", "transport", l.transport, "peer", label)
	if c.obs != nil {
		c.obs.StreamConnected(l.transport)
	}
	if l.api {
		c.infoReady.Store(false)
		c.goInfo(l)
	}
	err := l.readLoop()
	l.pmu.Lock()
	if l.dead != nil {
		err = l.dead // we ended it (replaced, failed write): say why
	}
	l.pmu.Unlock()
	if c.base.Err() != nil {
		err = nil // our own shutdown
	}
	l.kill(connLost(err))
	c.uninstall(l)
	l.release()
	c.log.Info("onebot11 upstream disconnected", "transport", l.transport, "peer", label, "err", err)
	if c.obs != nil {
		c.obs.StreamDisconnected(l.transport, err)
	}
}

func connLost(err error) error {
	if err == nil {
		return errors.New("connection closed")
	}
	return fmt.Errorf("connection lost: %w", err)
}

// uninstall removes l from the roles it still holds; a replacement that
// already took a role keeps it.
func (c *Client) uninstall(l *link) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.apiLink == l {
		c.apiLink = nil
		c.infoReady.Store(false)
	}
	if c.evLink == l {
		c.evLink = nil
	}
}
