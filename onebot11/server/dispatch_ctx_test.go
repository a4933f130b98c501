package server

import (
	"context"
	"errors"
	"testing"
	"time"
)

// deadlineCtx behaves like context.WithDeadline on Background: Done closes
// at the deadline, or at release, and Err says which.
func TestDeadlineCtx(t *testing.T) {
	c := &deadlineCtx{deadline: time.Now().Add(20 * time.Millisecond)}
	if d, ok := c.Deadline(); !ok || d != c.deadline {
		t.Fatal("Deadline")
	}
	if c.Err() != nil {
		t.Fatal("Err before the deadline")
	}
	<-c.Done()
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err after the deadline: %v", c.Err())
	}
	c.release()

	c = &deadlineCtx{deadline: time.Now().Add(time.Hour)}
	done := c.Done()
	c.release()
	<-done
	if !errors.Is(c.Err(), context.Canceled) {
		t.Fatalf("Err after release: %v", c.Err())
	}

	c = &deadlineCtx{deadline: time.Now().Add(time.Hour)}
	c.release()
	<-c.Done() // asked for only after release: closed
	// A child context of it ends with it.
	c = &deadlineCtx{deadline: time.Now().Add(time.Hour)}
	child, cancel := context.WithCancel(c)
	defer cancel()
	c.release()
	<-child.Done()
}
