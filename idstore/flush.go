package idstore

import (
	"bytes"
	"time"

	bolt "go.etcd.io/bbolt"
)

// run is the background flusher: one commit per FlushInterval, or sooner
// when MaxPending entries wait; never one fsync per message.
func (s *Store) run() {
	defer close(s.done)
	t := time.NewTicker(s.o.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		case <-s.kick:
		}
		_ = s.flush(false)
	}
}

// Flush commits pending entries and applies retention now.
func (s *Store) Flush() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.flush(true)
}

// flush commits the pending batch in one transaction, applying retention
// in the same transaction. force makes it sweep even with nothing pending.
func (s *Store) flush(force bool) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if s.dbClosed {
		return ErrClosed
	}
	return s.flushLocked(force)
}

func (s *Store) flushLocked(force bool) error {
	if s.lastSweepAt.IsZero() {
		s.lastSweepAt = time.Now()
	}
	for {
		s.mu.Lock()
		batch := s.pending
		split := len(batch) > maxBatch
		if split {
			// A backlog (e.g. after commit failures) goes in bounded
			// transactions: huge random-key inserts are slow in bbolt.
			batch = batch[:maxBatch:maxBatch]
			s.pending = append([]*entry(nil), s.pending[maxBatch:]...)
		} else {
			s.pending = nil
		}
		s.inflight = len(batch)
		s.mu.Unlock()

		if len(batch) == 0 {
			if !force && time.Since(s.lastSweepAt) < sweepEvery {
				return nil
			}
			s.lastSweepAt = time.Now()
			need, err := s.needsSweep()
			if err != nil {
				s.flushFailed(err)
				return err
			}
			if !need {
				return nil
			}
		}
		res, err := s.commit(batch)
		if err != nil {
			s.requeue(batch)
			s.flushFailed(err)
			return err
		}
		s.committed(batch, res)
		s.flushOK()
		if !res.more && !split {
			return nil
		}
		force = force || res.more // more expired entries than one transaction deletes
	}
}

type deletion struct {
	id  int32
	seq uint64
}

type commitResult struct {
	count   int
	deleted []deletion
	more    bool
}

// commit writes batch and deletes what retention allows no longer, in one
// write transaction.
func (s *Store) commit(batch []*entry) (commitResult, error) {
	var res commitResult
	cutoff := s.o.cutoff()
	err := s.db.Update(func(tx *bolt.Tx) error {
		idB := tx.Bucket(bucketByID)
		refB := tx.Bucket(bucketByRef)
		ageB := tx.Bucket(bucketByAge)
		meta := tx.Bucket(bucketMeta)
		ageB.FillPercent = 0.9 // keys are appended in order
		count := 0
		if c := meta.Get(metaCount); len(c) == 8 {
			count = int(decodeUint64(c))
		}
		for _, e := range batch {
			n, err := putEntry(idB, refB, ageB, e)
			if err != nil {
				return err
			}
			count += n
		}
		var err error
		count, res.deleted, res.more, err = sweep(idB, refB, ageB, count, s.o.MaxEntries, cutoff)
		if err != nil {
			return err
		}
		res.count = count
		return meta.Put(metaCount, seqKey(uint64(count)))
	})
	return res, err
}

// putEntry writes e, first removing whatever it supersedes: the previous
// holder of its id (an expired record, or its own older record) and any
// other record of its ref. It returns the change in the live count.
func putEntry(idB, refB, ageB *bolt.Bucket, e *entry) (int, error) {
	delta := 1
	ik := idKey(e.id)
	rk := refKey(e.ref)
	if old := idB.Get(ik); old != nil {
		delta = 0
		if len(old) >= 32 {
			oldSeq := recordSeq(old)
			oldRK := recordRefKey(old)
			if err := ageB.Delete(seqKey(oldSeq)); err != nil {
				return 0, err
			}
			if !bytes.Equal(oldRK, rk) && bytes.Equal(refB.Get(oldRK), ik) {
				if err := refB.Delete(oldRK); err != nil {
					return 0, err
				}
			}
		}
	}
	if prev := refB.Get(rk); prev != nil && !bytes.Equal(prev, ik) {
		prevID := append([]byte(nil), prev...)
		if pr := idB.Get(prevID); len(pr) >= 32 && bytes.Equal(pr[16:], rk) {
			if err := ageB.Delete(seqKey(recordSeq(pr))); err != nil {
				return 0, err
			}
			if err := idB.Delete(prevID); err != nil {
				return 0, err
			}
			delta--
		}
	}
	if err := idB.Put(ik, encodeRecord(e)); err != nil {
		return 0, err
	}
	if err := refB.Put(rk, ik); err != nil {
		return 0, err
	}
	return delta, ageB.Put(seqKey(e.seq), encodeAge(e))
}

// sweep deletes the oldest entries while there are more than maxEntries or
// they are older than cutoff, at most sweepChunk per call (more = true
// when it stopped early).
func sweep(idB, refB, ageB *bolt.Bucket, count, maxEntries int, cutoff int64) (int, []deletion, bool, error) {
	var (
		deleted []deletion
		ageKeys [][]byte
		more    bool
	)
	c := ageB.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(ageKeys) >= sweepChunk {
			more = true
			break
		}
		if len(k) != 8 || len(v) != 12 {
			ageKeys = append(ageKeys, append([]byte(nil), k...)) // unreadable; drop
			continue
		}
		if count <= maxEntries && int64(decodeUint64(v[4:])) >= cutoff {
			break
		}
		seq := decodeUint64(k)
		ik := append([]byte(nil), v[:4]...)
		if rec := idB.Get(ik); len(rec) >= 32 && recordSeq(rec) == seq {
			rk := recordRefKey(rec)
			if bytes.Equal(refB.Get(rk), ik) {
				if err := refB.Delete(rk); err != nil {
					return count, nil, false, err
				}
			}
			if err := idB.Delete(ik); err != nil {
				return count, nil, false, err
			}
			count--
			deleted = append(deleted, deletion{id: int32(decodeUint32(ik)), seq: seq})
		}
		ageKeys = append(ageKeys, append([]byte(nil), k...))
	}
	for _, k := range ageKeys {
		if err := ageB.Delete(k); err != nil {
			return count, nil, false, err
		}
	}
	return count, deleted, more, nil
}

// needsSweep checks, in a read transaction, whether retention has work,
// so an idle store does not commit (and fsync) for nothing.
func (s *Store) needsSweep() (bool, error) {
	cutoff := s.o.cutoff()
	need := false
	err := s.db.View(func(tx *bolt.Tx) error {
		if c := tx.Bucket(bucketMeta).Get(metaCount); len(c) == 8 && int(decodeUint64(c)) > s.o.MaxEntries {
			need = true
			return nil
		}
		if _, v := tx.Bucket(bucketByAge).Cursor().First(); len(v) == 12 && int64(decodeUint64(v[4:])) < cutoff {
			need = true
		}
		return nil
	})
	return need, err
}

// committed moves a committed batch into the evictable cache and drops
// swept entries from memory.
func (s *Store) committed(batch []*entry, res commitResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight = 0
	for _, e := range batch {
		if e.state != statePending {
			continue // superseded while committing; its successor is pending
		}
		e.state = stateCached
		if e.isNew {
			s.pendingNew--
		}
		s.lru.pushBack(e)
	}
	for _, d := range res.deleted {
		if e := s.byID[d.id]; e != nil && e.seq == d.seq && e.state == stateCached {
			s.unlinkLocked(e)
		}
	}
	if len(res.deleted) > 0 {
		s.gen++
	}
	s.evictLocked()
	s.diskCount = res.count
	s.lastFlush = time.Now()
}

// requeue puts a failed batch back in front of what arrived meanwhile.
func (s *Store) requeue(batch []*entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight = 0
	keep := make([]*entry, 0, len(batch)+len(s.pending))
	for _, e := range batch {
		if e.state == statePending {
			keep = append(keep, e)
		}
	}
	s.pending = append(keep, s.pending...)
}

// flushFailed counts and logs a failed commit, at most every 30s while the
// failure persists; the batch stays pending and is retried.
func (s *Store) flushFailed(err error) {
	s.storeErrors.Add(1)
	s.errStreak++
	if s.errStreak == 1 || time.Since(s.lastErrLog) >= 30*time.Second {
		s.lastErrLog = time.Now()
		s.mu.Lock()
		pending := len(s.pending)
		s.mu.Unlock()
		s.log.Error("id store commit failed; will retry", "err", err, "failures", s.errStreak, "pending", pending)
	}
}

func (s *Store) flushOK() {
	if s.errStreak > 0 {
		s.log.Info("id store commits recovered", "after_failures", s.errStreak)
		s.errStreak = 0
	}
}
