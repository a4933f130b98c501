package segment

import (
	"fmt"
	"strings"
)

// contextError adds "where" to an error (a segment, a field) without hiding
// its kind from the error tables of the mapping packages.
type contextError struct {
	where string
	err   error
}

func (c *contextError) Error() string { return c.where + ": " + c.err.Error() }
func (c *contextError) Unwrap() error { return c.err }

// Wrapf prefixes err with a description of where it happened.
func Wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &contextError{where: fmt.Sprintf(format, args...), err: err}
}

// SplitContext peels the contextError layers off err, joining their
// descriptions outermost first, and returns the error underneath.
func SplitContext(err error) (string, error) {
	var parts []string
	for {
		c, ok := err.(*contextError)
		if !ok {
			break
		}
		parts = append(parts, c.where)
		err = c.err
	}
	return strings.Join(parts, ": "), err
}
