// Package audit keeps the append-only, hash-chained audit log: each entry
// stores the hash of the one before it, so altering or deleting any row breaks
// the chain and Verify names the first entry where it breaks.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

// Actor is who did something. ID is 0 for the system or an unknown user.
type Actor struct {
	ID   int64
	Name string
	IP   string
}

// System is the actor for work done by gridgov itself or its CLI.
func System(name string) Actor { return Actor{Name: name} }

// Outcomes of an audited action.
const (
	OK     = "ok"
	Denied = "denied"
	Failed = "failed"
)

// Entry is one audited action. Detail must never hold a raw ID number or phone.
type Entry struct {
	Seq        int64          `json:"seq"`
	At         time.Time      `json:"at"`
	ActorID    int64          `json:"actor_id,omitempty"`
	Actor      string         `json:"actor"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type,omitempty"`
	TargetID   string         `json:"target_id,omitempty"`
	IP         string         `json:"ip,omitempty"`
	Outcome    string         `json:"outcome"`
	Detail     map[string]any `json:"detail,omitempty"`
	PrevHash   string         `json:"prev_hash"`
	Hash       string         `json:"hash"`
}

// Record describes an action to append.
type Record struct {
	Actor      Actor
	Action     string
	TargetType string
	TargetID   string
	Outcome    string
	Detail     map[string]any
}

// Append adds an entry inside the caller's transaction, so the entry commits
// or rolls back with the change it records. Updating audit_head first takes
// its row lock (PostgreSQL) or the write lock (SQLite), which orders
// concurrent appenders into one chain.
func Append(ctx context.Context, tx *sql.Tx, now time.Time, r Record) (Entry, error) {
	detail := "{}"
	if len(r.Detail) > 0 {
		b, err := json.Marshal(r.Detail)
		if err != nil {
			return Entry{}, fmt.Errorf("audit %s: detail: %w", r.Action, err)
		}
		detail = string(b)
	}
	outcome := r.Outcome
	if outcome == "" {
		outcome = OK
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
		return Entry{}, fmt.Errorf("audit %s: advance head: %w", r.Action, err)
	}
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_head WHERE id = 1`).Scan(&prev); err != nil {
		return Entry{}, fmt.Errorf("audit %s: read head: %w", r.Action, err)
	}
	row := stored{
		seq: seq, at: Canonical(now), actorID: r.Actor.ID, actor: r.Actor.Name, action: r.Action,
		targetType: r.TargetType, targetID: r.TargetID, ip: r.Actor.IP, outcome: outcome,
		detail: detail, prevHash: prev,
	}
	row.hash = row.computeHash()
	var actorID any
	if row.actorID != 0 {
		actorID = row.actorID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, at, actor_id, actor, action, target_type, target_id, ip, outcome, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		row.seq, row.at, actorID, row.actor, row.action, row.targetType, row.targetID, row.ip,
		row.outcome, row.detail, row.prevHash, row.hash); err != nil {
		return Entry{}, fmt.Errorf("audit %s: insert: %w", r.Action, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, row.hash); err != nil {
		return Entry{}, fmt.Errorf("audit %s: update head: %w", r.Action, err)
	}
	return row.entry()
}

// Canonical is the form in which times are stored and hashed: UTC, to the
// microsecond that PostgreSQL keeps.
func Canonical(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// stored is a row exactly as kept in the database.
type stored struct {
	seq        int64
	at         time.Time
	actorID    int64
	actor      string
	action     string
	targetType string
	targetID   string
	ip         string
	outcome    string
	detail     string
	prevHash   string
	hash       string
}

// computeHash hashes every field but the hash itself. A JSON array keeps the
// encoding unambiguous whatever the fields contain.
func (s stored) computeHash() string {
	fields := []string{
		strconv.FormatInt(s.seq, 10), s.at.UTC().Format("2006-01-02T15:04:05.000000Z"),
		strconv.FormatInt(s.actorID, 10), s.actor, s.action, s.targetType, s.targetID,
		s.ip, s.outcome, s.detail, s.prevHash,
	}
	b, _ := json.Marshal(fields) // a []string always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s stored) entry() (Entry, error) {
	e := Entry{
		Seq: s.seq, At: s.at.UTC(), ActorID: s.actorID, Actor: s.actor, Action: s.action,
		TargetType: s.targetType, TargetID: s.targetID, IP: s.ip, Outcome: s.outcome,
		PrevHash: s.prevHash, Hash: s.hash,
	}
	if s.detail != "" && s.detail != "{}" {
		if err := json.Unmarshal([]byte(s.detail), &e.Detail); err != nil {
			return Entry{}, fmt.Errorf("audit entry %d: detail: %w", s.seq, err)
		}
	}
	return e, nil
}

const selectColumns = `seq, at, COALESCE(actor_id, 0), actor, action, target_type, target_id, ip, outcome, detail, prev_hash, hash`

func scanStored(rows interface{ Scan(...any) error }) (stored, error) {
	var s stored
	err := rows.Scan(&s.seq, &s.at, &s.actorID, &s.actor, &s.action, &s.targetType, &s.targetID,
		&s.ip, &s.outcome, &s.detail, &s.prevHash, &s.hash)
	return s, err
}

// Filter selects entries for List.
type Filter struct {
	ActorID    int64
	Action     string
	TargetType string
	TargetID   string
	// Before returns entries with seq < Before (0: from the newest).
	Before int64
	Limit  int
}

// List returns entries newest first.
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	query := `SELECT ` + selectColumns + ` FROM audit_log WHERE 1 = 1`
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		query += fmt.Sprintf(" AND %s $%d", cond, len(args))
	}
	if f.ActorID != 0 {
		add("actor_id =", f.ActorID)
	}
	if f.Action != "" {
		add("action =", f.Action)
	}
	if f.TargetType != "" {
		add("target_type =", f.TargetType)
	}
	if f.TargetID != "" {
		add("target_id =", f.TargetID)
	}
	if f.Before > 0 {
		add("seq <", f.Before)
	}
	args = append(args, f.Limit)
	query += fmt.Sprintf(" ORDER BY seq DESC LIMIT $%d", len(args))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		s, err := scanStored(rows)
		if err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		e, err := s.entry()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Problem describes where the chain breaks.
type Problem struct {
	Seq    int64
	Reason string
}

func (p *Problem) Error() string { return fmt.Sprintf("audit entry %d: %s", p.Seq, p.Reason) }

// Report is the result of a verification.
type Report struct {
	Entries int64
	HeadSeq int64
	// First is the first broken entry, nil when the chain is intact.
	First *Problem
}

// ErrBroken is wrapped by the error Verify returns when the chain is broken.
var ErrBroken = errors.New("audit chain broken")

// Verify walks the whole chain in order and reports the first entry that was
// altered, inserted, or follows a deleted one, and entries missing at the end.
func Verify(ctx context.Context, q db.Querier) (Report, error) {
	var rep Report
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&rep.HeadSeq, &headHash); err != nil {
		return rep, fmt.Errorf("verify audit log: read head: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+selectColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return rep, fmt.Errorf("verify audit log: %w", err)
	}
	defer rows.Close()
	prevHash := genesis
	var want int64 = 1
	for rows.Next() {
		s, err := scanStored(rows)
		if err != nil {
			return rep, fmt.Errorf("verify audit log: %w", err)
		}
		rep.Entries++
		switch {
		case s.seq != want:
			rep.First = &Problem{Seq: s.seq, Reason: fmt.Sprintf("expected entry %d here: entries %d..%d are missing", want, want, s.seq-1)}
		case s.prevHash != prevHash:
			rep.First = &Problem{Seq: s.seq, Reason: "does not link to the entry before it (that entry was altered or removed)"}
		case s.computeHash() != s.hash:
			rep.First = &Problem{Seq: s.seq, Reason: "content does not match its hash (the entry was altered)"}
		}
		if rep.First != nil {
			return rep, fmt.Errorf("%w: %w", ErrBroken, rep.First)
		}
		prevHash = s.hash
		want++
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify audit log: %w", err)
	}
	if rep.HeadSeq == want-1 && headHash != prevHash {
		rep.First = &Problem{Seq: want - 1, Reason: "the newest entry was rewritten (it does not match the recorded head)"}
		return rep, fmt.Errorf("%w: %w", ErrBroken, rep.First)
	}
	if rep.HeadSeq != want-1 {
		rep.First = &Problem{Seq: want, Reason: fmt.Sprintf("the log ends at entry %d but %d were written (entries were removed from the end)", want-1, rep.HeadSeq)}
		return rep, fmt.Errorf("%w: %w", ErrBroken, rep.First)
	}
	return rep, nil
}

const genesis = "0000000000000000000000000000000000000000000000000000000000000000"
