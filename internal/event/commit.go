package event

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/groupcommit"
)

// Group commit (internal/groupcommit): the writes of reports and actions
// wait in a queue while Run runs, and go in groups, one transaction and
// one fsync each. The serials of its reports' codes are taken first, and
// the measure counters its writes move are applied last, before it
// commits, each at once and in key order (fewer statements, and no
// deadlocks between concurrent groups on PostgreSQL, of several processes
// on one database). Without Run, each write is a transaction of its own.

// commitGap is the least time from the start of one busy group's commit
// to the next (groupcommit.Options.Gap). At 3,000 reports/s a committer
// that committed as soon as anything waited made groups of three or four;
// with the gap the groups double and a report costs a third fewer WAL
// pages and some 14% less CPU (docs/BENCHMARKS.md). PostgreSQL's commits
// write no such pages, and there the gap only added its wait, so it is
// SQLite's only.
const commitGap = 2 * time.Millisecond

// reportCommitters is how many group committers run on PostgreSQL, each
// with a connection of its own. A committer waits on every statement's
// round trip and on its commit's flush, and the server, which runs
// transactions side by side, sat idle meanwhile (docs/BENCHMARKS.md).
// SQLite has one writer, so one committer there.
const reportCommitters = 4

// newCommitters makes the service's group committers.
func (s *Service) newCommitters() []*groupcommit.Committer {
	o := groupcommit.Options{Name: "event write", Warm: s.warm, Batch: s.counterBatch}
	n := reportCommitters
	if s.db.Engine == db.SQLite {
		o.Gap, n = commitGap, 1
	}
	out := make([]*groupcommit.Committer, n)
	for i := range out {
		out[i] = groupcommit.New(s.db, o)
	}
	return out
}

// Run commits the event writes of this process in groups until ctx ends;
// on SQLite it also keeps the duplicate search's index current (nearby.go).
func (s *Service) Run(ctx context.Context) {
	if s.db.Engine == db.SQLite {
		ctx, stop := context.WithCancel(ctx)
		defer stop()
		go s.near.follow(ctx, s.db, s.now, s.log)
	}
	var wg sync.WaitGroup
	for _, c := range s.commits {
		wg.Go(func() { c.Run(ctx) })
	}
	wg.Wait()
}

// write runs fn in a transaction: a group's of the first committer when
// Run is running, its own otherwise. Actions all go to the first, so that
// no two groups of this process take one event's row, or two in turn.
func (s *Service) write(ctx context.Context, fn groupcommit.Func) error {
	return s.commits[0].Write(ctx, fn)
}

// submitReport is write in two halves for a new report numbered under
// key (serialKey): it hands fn to the committer of the key's county and
// returns the wait for its answer, so that the caller may work meanwhile.
// Without Run, fn has run in a transaction of its own when submitReport
// returns. A group holds its counties' serial rows until it commits, so
// each county's reports go to one committer, and the committers' groups
// wait for one another only at the counters, the last rows they take.
func (s *Service) submitReport(ctx context.Context, key string, fn groupcommit.Func) (wait func() error) {
	return s.commits[s.shards.of(key[8:], len(s.commits))].SubmitKeyed(ctx, key, fn)
}

// shards gives each county's reports a committer: the counties take the
// committers in turn as they first report, so that a city's few counties
// spread over all of them.
type shards struct {
	mu       sync.Mutex
	next     int
	byCounty map[string]int
}

// of is county's committer, of n.
func (sh *shards) of(county string, n int) int {
	if n == 1 {
		return 0
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, ok := sh.byCounty[county]
	if !ok {
		if sh.byCounty == nil {
			sh.byCounty = map[string]int{}
		}
		i = sh.next % n
		sh.next++
		sh.byCounty[county] = i
	}
	return i
}

// counterBatch gathers what a transaction's writes share: the counter
// moves of each write in a buffer of its own, kept only if the write is
// stored, and the transaction's total, flushed before it commits; and the
// serials of the reports' codes, taken for all its reports at once.
// Batches are pooled: made anew for each group, their maps were a
// twentieth of what intake allocated.
type counterBatch struct {
	s            *Service
	tx           *sql.Tx
	total, write counterBuf
	serials      map[string]*serialRange // by serialKey
	taken        []string                // the keys of the serials the open write took
}

// serialRange is a county's serials of a day that a transaction holds:
// it took them, up to last, in one statement, holds their row until it
// ends, and gives them out from next on.
type serialRange struct{ next, last int }

// counterBatch starts the batch of tx (groupcommit.Options.Batch).
func (s *Service) counterBatch(tx *sql.Tx) groupcommit.Batch {
	b, _ := s.batches.Get().(*counterBatch)
	if b == nil {
		// A report moves some thirty counters.
		b = &counterBatch{total: make(counterBuf, 256), write: make(counterBuf, 64), serials: map[string]*serialRange{}}
	}
	b.s, b.tx = s, tx
	clear(b.total)
	clear(b.serials)
	s.counters.Store(tx, b)
	return b
}

// Begin takes the serials of the group's reports, each county's of a day
// in one statement, in key order: a report updating its county's row in a
// savepoint of its own cost PostgreSQL a multixact for each row version,
// with as many members as the group had reports before it, and every
// concurrent group takes the rows in the same order.
func (b *counterBatch) Begin(ctx context.Context, tx *sql.Tx, keys []string) error {
	var n map[string]int // made only for a group with reports: most of an action's
	for _, k := range keys {
		if k != "" {
			if n == nil {
				n = map[string]int{}
			}
			n[k]++
		}
	}
	if n == nil {
		return nil
	}
	sorted := make([]string, 0, len(n))
	for k := range n {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		last, err := b.s.reserveSerials(ctx, tx, k, n[k])
		if err != nil {
			return err
		}
		b.serials[k] = &serialRange{next: last - n[k] + 1, last: last}
	}
	return nil
}

// serial gives out the next serial under key that the batch holds, taking
// one more if it holds no more; ok is false for a key it was not begun with.
func (b *counterBatch) serial(ctx context.Context, tx *sql.Tx, key string) (n int, ok bool, err error) {
	r := b.serials[key]
	if r == nil {
		return 0, false, nil
	}
	if r.next > r.last {
		// More reports than keys: the row is this transaction's, so the
		// next serial follows the last.
		if r.last, err = b.s.reserveSerials(ctx, tx, key, 1); err != nil {
			return 0, true, err
		}
		r.next = r.last
	}
	b.taken = append(b.taken, key)
	r.next++
	return r.next - 1, true, nil
}

func (b *counterBatch) Write(ctx context.Context, tx *sql.Tx, fn groupcommit.Func) error {
	clear(b.write)
	b.taken = b.taken[:0]
	if err := fn(ctx, tx); err != nil {
		// Its serials go to the next report, so that codes leave no gaps.
		for _, k := range b.taken {
			b.serials[k].next--
		}
		return err
	}
	b.total.add(b.write)
	return nil
}

func (b *counterBatch) Flush(ctx context.Context, tx *sql.Tx) error {
	if err := b.s.returnSerials(ctx, tx, b.serials); err != nil {
		return err
	}
	return b.s.flushCounters(ctx, tx, b.total)
}

func (b *counterBatch) Close() {
	s := b.s
	s.counters.Delete(b.tx)
	b.s, b.tx = nil, nil
	s.batches.Put(b)
}

// counterKey is one row of event_counters.
type counterKey struct{ region, month, category, measure string }

// counterBuf gathers counter moves until the transaction's end.
type counterBuf map[counterKey]int64

func (b counterBuf) add(o counterBuf) {
	for k, v := range o {
		b[k] += v
	}
}

// flushCounters writes a buffer's moves in key order, counterChunk rows
// to a statement: a group of reports moves hundreds of counters, and one
// statement per row cost more than the rows.
func (s *Service) flushCounters(ctx context.Context, tx *sql.Tx, buf counterBuf) error {
	keys := make([]counterKey, 0, len(buf))
	for k, v := range buf {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b counterKey) int {
		return cmp.Or(cmp.Compare(a.region, b.region), cmp.Compare(a.month, b.month), cmp.Compare(a.category, b.category),
			cmp.Compare(a.measure, b.measure))
	})
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), counterChunk)]
		keys = keys[len(chunk):]
		query := s.fullCounters
		if len(chunk) < counterChunk {
			query = upsertCounters(s.db.Engine, len(chunk))
		}
		args := make([]any, 0, 5*len(chunk))
		for _, k := range chunk {
			args = append(args, k.region, k.month, k.category, k.measure, buf[k])
		}
		if _, err := s.txExec(ctx, tx, query, args...); err != nil {
			return fmt.Errorf("event counters: %w", err)
		}
	}
	return nil
}

// counterChunk is how many counter rows one statement moves.
const counterChunk = 64

// upsertCounters is the statement adding to n counter rows.
func upsertCounters(engine db.Engine, n int) string {
	return "INSERT INTO event_counters (region_code, month, category_code, measure, n) VALUES " + engine.Values(n, 5) +
		" ON CONFLICT (region_code, month, category_code, measure) DO UPDATE SET n = event_counters.n + excluded.n"
}
