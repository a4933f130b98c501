package transport

import (
	"errors"
	"io"
	"net"
	"time"
)

// IdleConn is a net.Conn whose every Read first pushes the read deadline
// Idle into the future, so a peer that sends nothing for Idle is cut off
// while a busy one never is. Setting a deadline costs no system call.
type IdleConn struct {
	net.Conn
	Idle time.Duration
}

func (c IdleConn) Read(p []byte) (int, error) {
	if c.Idle > 0 {
		if err := c.Conn.SetReadDeadline(time.Now().Add(c.Idle)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(p)
}

// ErrTooLarge is returned by ReadBounded for a body over its limit.
var ErrTooLarge = errors.New("body too large")

// DeadlineSetter is the part of net.Conn ReadBounded needs.
type DeadlineSetter interface {
	SetReadDeadline(time.Time) error
}

// ReadBounded reads r to EOF with one deadline for the whole body (a peer
// trickling one byte a second cannot hold the reader past timeout) and at
// most limit bytes (ErrTooLarge beyond). conn is the connection under r;
// its read deadline is cleared afterwards. conn may be nil when r has no
// deadline (then timeout is not enforced).
func ReadBounded(r io.Reader, conn DeadlineSetter, limit int64, timeout time.Duration) ([]byte, error) {
	if conn != nil && timeout > 0 {
		if err := conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return nil, err
		}
		defer func() { _ = conn.SetReadDeadline(time.Time{}) }()
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, ErrTooLarge
	}
	return b, nil
}
