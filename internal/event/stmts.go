package event

import (
	"context"
	"database/sql"
	"sync"
)

// stmts keeps the prepared forms of the statements every report and
// action runs; parsing them again each time was a fifth of the intake's
// CPU time. A statement is prepared only outside transactions (warm):
// preparing needs a connection, and SQLite's one writer connection is the
// transaction's own. Until then it runs unprepared.
type stmts struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool
}

// stmt returns query prepared for use inside tx, or nil until warm has
// prepared it.
func (s *Service) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	s.prepared.mu.Lock()
	st, ok := s.prepared.m[query]
	if !ok {
		if s.prepared.wanted == nil {
			s.prepared.wanted = map[string]bool{}
		}
		s.prepared.wanted[query] = true
	}
	s.prepared.mu.Unlock()
	if !ok {
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// warm prepares the statements asked for since the last call. Call it
// with no transaction of this goroutine open.
func (s *Service) warm(ctx context.Context) {
	s.prepared.mu.Lock()
	if len(s.prepared.wanted) == 0 {
		s.prepared.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(s.prepared.wanted))
	for q := range s.prepared.wanted {
		queries = append(queries, q)
	}
	s.prepared.wanted = nil
	s.prepared.mu.Unlock()
	for _, q := range queries {
		st, err := s.db.PrepareWrite(context.WithoutCancel(ctx), q)
		if err != nil {
			continue // it runs unprepared, as before
		}
		s.prepared.mu.Lock()
		if s.prepared.m == nil {
			s.prepared.m = map[string]*sql.Stmt{}
		}
		if _, dup := s.prepared.m[q]; dup {
			_ = st.Close()
		} else {
			s.prepared.m[q] = st
		}
		s.prepared.mu.Unlock()
	}
}

// txExec runs a statement inside tx, prepared when it can be.
func (s *Service) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQueryRow runs a single-row query inside tx, prepared when it can be.
func (s *Service) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}
