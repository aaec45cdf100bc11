package event

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// The counter journal. A group commit appends its merged counter moves as
// one row of event_counter_journal in the transaction of its events, rather
// than moving hundreds of rows of event_counters, each on a page of its own.
// applyJournal moves the counters by the journal's rows and deletes them in
// one transaction: Run does it once a second, when it starts (what a crash
// left) and when it stops, and StatsFor before it reads the counters, so a
// reader never sees counters behind the events it can see. Each row is
// applied exactly once: it is deleted in the transaction that applies it,
// and a concurrent applier (another process on the same database) finds
// it gone.

// journalInterval is how often Run applies the journal.
const journalInterval = time.Second

// journalChunk bounds the rows one transaction applies.
const journalChunk = 500

// journalMove is one counter move as the journal holds it.
type journalMove struct {
	Region   string `json:"r"`
	Month    string `json:"m"`
	Category string `json:"c"`
	Measure  string `json:"x"`
	N        int64  `json:"n"`
}

// encodeMoves writes a buffer's non-zero moves.
func encodeMoves(buf counterBuf) ([]byte, bool, error) {
	moves := make([]journalMove, 0, len(buf))
	for k, n := range buf {
		if n != 0 {
			moves = append(moves, journalMove{k.region, k.month, k.category, k.measure, n})
		}
	}
	if len(moves) == 0 {
		return nil, false, nil
	}
	b, err := json.Marshal(moves)
	return b, true, err
}

// decodeMoves adds the moves of a journal row to buf.
func decodeMoves(b []byte, buf counterBuf) error {
	var moves []journalMove
	if err := json.Unmarshal(b, &moves); err != nil {
		return fmt.Errorf("counter journal: %w", err)
	}
	for _, m := range moves {
		buf[counterKey{m.Region, m.Month, m.Category, m.Measure}] += m.N
	}
	return nil
}

// journal appends a group's counter moves to the journal, inside its
// transaction.
func (s *Service) journal(ctx context.Context, tx *sql.Tx, buf counterBuf) error {
	b, some, err := encodeMoves(buf)
	if err != nil || !some {
		return err
	}
	if _, err := s.txExec(ctx, tx, `INSERT INTO event_counter_journal (moves) VALUES ($1)`, string(b)); err != nil {
		return fmt.Errorf("counter journal: %w", err)
	}
	return nil
}

// applyJournal moves the counters by every row of the journal and deletes
// them, a chunk of rows to a transaction; it returns the rows applied.
func (s *Service) applyJournal(ctx context.Context) (int, error) {
	applied := 0
	for {
		n := 0
		err := s.db.InTx(ctx, func(tx *sql.Tx) error {
			n = 0
			rows, err := tx.QueryContext(ctx, `DELETE FROM event_counter_journal WHERE id IN
				(SELECT id FROM event_counter_journal ORDER BY id LIMIT $1) RETURNING moves`, journalChunk)
			if err != nil {
				return fmt.Errorf("counter journal: %w", err)
			}
			buf := counterBuf{}
			for rows.Next() {
				var moves string
				if err := rows.Scan(&moves); err != nil {
					rows.Close()
					return fmt.Errorf("counter journal: %w", err)
				}
				if err := decodeMoves([]byte(moves), buf); err != nil {
					rows.Close()
					return err
				}
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("counter journal: %w", err)
			}
			return s.flushCounters(ctx, tx, buf)
		})
		if err != nil {
			return applied, err
		}
		applied += n
		if n < journalChunk {
			return applied, nil
		}
	}
}

// journalPending says whether the journal holds rows not yet applied.
func (s *Service) journalPending(ctx context.Context) (bool, error) {
	var one int
	err := s.db.Read().QueryRowContext(ctx, `SELECT 1 FROM event_counter_journal LIMIT 1`).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("counter journal: %w", err)
	}
	return true, nil
}

// ApplyCounterJournal brings the counters up to date with every event
// committed: for tools and tests that read event_counters themselves.
func (s *Service) ApplyCounterJournal(ctx context.Context) error {
	_, err := s.applyJournal(ctx)
	return err
}

// runJournal applies the journal at once (what a crash left) and then
// every journalInterval until ctx ends; Run applies it a last time after
// its last group.
func (s *Service) runJournal(ctx context.Context) {
	t := time.NewTicker(journalInterval)
	defer t.Stop()
	for {
		s.applyJournalLogged(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) applyJournalLogged(ctx context.Context) {
	if _, err := s.applyJournal(ctx); err != nil && ctx.Err() == nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "event: counter journal", slog.Any("err", err))
	}
}
