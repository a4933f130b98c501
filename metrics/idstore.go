package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// idStats is the id store's cumulative statistics as last reported.
type idStats struct {
	entries                               int
	hits, misses, collisions, flushErrors uint64
}

// idstoreCollector exposes the store's own cumulative counts as counters at
// scrape time: the store counts, so keeping deltas here would only add a way
// to get them wrong.
type idstoreCollector struct {
	mu    sync.Mutex
	stats idStats

	entries, lookups, collisions, flushErrors *prometheus.Desc
}

func newIDStoreCollector() *idstoreCollector {
	return &idstoreCollector{
		entries: prometheus.NewDesc("gateway_idstore_entries",
			"Message ids currently mapped to upstream messages in the durable id store.", nil, nil),
		lookups: prometheus.NewDesc("gateway_idstore_lookups_total",
			"Lookups of a bot-supplied message id in the id store, by result (hit: resolved; miss: unknown or expired).", []string{"result"}, nil),
		collisions: prometheus.NewDesc("gateway_idstore_collisions_total",
			"Times two upstream messages hashed to the same message id and one had to be moved to another id.", nil, nil),
		flushErrors: prometheus.NewDesc("gateway_idstore_flush_errors_total",
			"Failed writes of the id store to disk (ids still work in memory but may not survive a restart).", nil, nil),
	}
}

func (c *idstoreCollector) set(s idStats) {
	c.mu.Lock()
	// A reopened store restarting its counts shows as a counter reset,
	// which rate() and increase() handle.
	c.stats = s
	c.mu.Unlock()
}

func (c *idstoreCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.entries
	ch <- c.lookups
	ch <- c.collisions
	ch <- c.flushErrors
}

func (c *idstoreCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	s := c.stats
	c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(s.entries))
	ch <- prometheus.MustNewConstMetric(c.lookups, prometheus.CounterValue, float64(s.hits), "hit")
	ch <- prometheus.MustNewConstMetric(c.lookups, prometheus.CounterValue, float64(s.misses), "miss")
	ch <- prometheus.MustNewConstMetric(c.collisions, prometheus.CounterValue, float64(s.collisions))
	ch <- prometheus.MustNewConstMetric(c.flushErrors, prometheus.CounterValue, float64(s.flushErrors))
}
