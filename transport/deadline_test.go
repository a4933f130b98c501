package transport

import (
	"bytes"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadBoundedLimit(t *testing.T) {
	b, err := ReadBounded(bytes.NewReader([]byte("12345")), nil, 5, 0)
	require.NoError(t, err)
	assert.Equal(t, "12345", string(b))
	_, err = ReadBounded(bytes.NewReader([]byte("123456")), nil, 5, 0)
	assert.ErrorIs(t, err, ErrTooLarge)
}

func TestReadBoundedWholeBodyDeadline(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() { _, _ = b.Write([]byte("partial")) }() // then never finishes
	_, err := ReadBounded(a, a, 1<<20, 20*time.Millisecond)
	assert.True(t, errors.Is(err, os.ErrDeadlineExceeded), "got %v", err)
}

func TestIdleConnCutsSilentPeer(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := IdleConn{Conn: a, Idle: 20 * time.Millisecond}
	go func() { _, _ = b.Write([]byte("x")) }()
	buf := make([]byte, 1)
	_, err := c.Read(buf)
	require.NoError(t, err)
	_, err = c.Read(buf)
	assert.True(t, errors.Is(err, os.ErrDeadlineExceeded), "got %v", err)
}
