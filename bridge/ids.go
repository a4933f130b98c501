package bridge

import (
	"fmt"
	"log/slog"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/idstore"
)

// IDStore is the id store as the runtime sees it: the mappings both
// directions use, plus what operations need.
type IDStore interface {
	idmap.Mapper
	Stats() idstore.Stats
	Close() error
}

// openIDs opens the durable store under DataDir, or an in-memory one
// without a data directory.
func openIDs(opts Options, log *slog.Logger) (IDStore, error) {
	o := idstore.Options{MaxEntries: opts.IDMaxEntries, MaxAge: opts.IDRetention, Logger: log}
	if opts.DataDir == "" {
		return idstore.NewMemory(o), nil
	}
	st, err := idstore.Open(opts.DataDir, o)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", opts.DataDir, err)
	}
	return st, nil
}
