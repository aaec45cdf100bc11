package event

import (
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/region"
)

// Script is one event's life as a demo (or a migration from another
// system) tells it: the report and then each action, with its moment.
type Script struct {
	At     time.Time
	Report ReportInput
	Steps  []Step
}

// Step is one action of a script. By names who acts: Center (the center
// holding the event then), Dept (its lead department), Worker (its grid's
// worker) or Reporter. DuplicateOf, for a merge, is the index of the
// script (in the order given) whose event this one repeats.
type Step struct {
	At          time.Time
	By          Party
	Input       ActInput
	DuplicateOf int
}

// Replayed counts what Replay stored.
type Replayed struct {
	Events  int `json:"events"`
	Actions int `json:"actions"`
	// Refused counts actions the state machine refused; the script's event
	// keeps the state it had.
	Refused int `json:"refused"`
}

// Replay stores scripted events through the real state machine, every
// action at its scripted moment and checked like any other (state, party,
// fields), in timestamp order across events, so that a merge finds its
// original still open. It commits every few thousand actions; the similar-
// event search of Report is skipped, as the script decides duplicates.
func (s *Service) Replay(ctx context.Context, scripts iter.Seq[Script], progress func(events int)) (out Replayed, err error) {
	bulkDone, err := s.db.BulkWrites(ctx)
	if err != nil {
		return out, fmt.Errorf("replay: %w", err)
	}
	defer func() { err = errors.Join(err, bulkDone()) }()
	q := &stepQueue{}
	ids := map[int]int64{} // script index → event id
	var tx *sql.Tx
	var buf counterBuf
	pending := 0
	commit := func() error {
		if tx == nil {
			return nil
		}
		err := s.flushCounters(ctx, tx, buf)
		s.counters.Delete(tx)
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
		tx, pending = nil, 0
		if err != nil {
			return fmt.Errorf("replay: commit: %w", err)
		}
		if progress != nil {
			progress(out.Events)
		}
		return nil
	}
	begin := func() error {
		if tx != nil {
			return nil
		}
		s.warm(ctx)
		var err error
		if tx, err = s.db.BeginBulk(ctx); err != nil {
			return err
		}
		buf = counterBuf{}
		s.counters.Store(tx, buf)
		return nil
	}
	defer func() {
		if tx != nil {
			s.counters.Delete(tx)
			_ = tx.Rollback()
		}
	}()
	// run performs the queued steps due before t.
	run := func(t time.Time) error {
		for q.Len() > 0 && !(*q)[0].step.At.After(t) {
			item := heap.Pop(q).(*queued)
			if err := begin(); err != nil {
				return err
			}
			if err := s.replayStep(ctx, tx, item, ids, &out); err != nil {
				return err
			}
			if next := item.next + 1; next < len(item.steps) {
				heap.Push(q, &queued{id: item.id, steps: item.steps, next: next, step: item.steps[next]})
			}
			if pending++; pending >= 2000 {
				if err := commit(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	i := 0
	for sc := range scripts {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if err := run(sc.At); err != nil {
			return out, err
		}
		if err := begin(); err != nil {
			return out, err
		}
		id, err := s.replayReport(ctx, tx, sc)
		if err != nil {
			return out, fmt.Errorf("replay: script %d: %w", i, err)
		}
		ids[i] = id
		out.Events++
		if len(sc.Steps) > 0 {
			heap.Push(q, &queued{id: id, steps: sc.Steps, step: sc.Steps[0]})
		}
		i++
		if pending++; pending >= 2000 {
			if err := commit(); err != nil {
				return out, err
			}
		}
	}
	if err := run(time.Unix(1<<40, 0)); err != nil {
		return out, err
	}
	return out, commit()
}

func (s *Service) replayReport(ctx context.Context, tx *sql.Tx, sc Script) (int64, error) {
	in := sc.Report
	now := audit.Canonical(sc.At)
	cat, err := s.cats.Get(ctx, in.CategoryCode)
	if err != nil {
		return 0, fmt.Errorf("category %s: %w", in.CategoryCode, err)
	}
	var point *orb.Point
	if in.Lng != nil && in.Lat != nil {
		pt, err := toWGS84(in.Lng, in.Lat, in.CRS)
		if err != nil {
			return 0, apperr.Field("lng", err.Error())
		}
		point = &pt
	}
	grid, path, err := s.place(ctx, auth.Principal{}, point, in.GridCode)
	if err != nil {
		return 0, err
	}
	if in.Urgency == "" {
		in.Urgency = cat.DefaultUrgency
	}
	if in.Source == "" {
		in.Source = FromWorker
	}
	e := Event{Source: in.Source, CategoryCode: in.CategoryCode, Title: in.Title, Description: in.Description, Urgency: in.Urgency,
		State: Reported, GridCode: grid, Location: point, Address: in.Address, ReporterName: in.ReporterName,
		CreatedAt: now, UpdatedAt: now, Version: 1, regionPath: path, token: newToken(now)}
	e.Level, e.RegionCode = holder(path, region.Township)
	phone := ""
	if in.ReporterPhone != "" {
		if phone, err = pii.NormalizePhone(in.ReporterPhone); err != nil {
			return 0, apperr.Field("reporter_phone", err.Error())
		}
	}
	if err := s.file(ctx, tx, replayer(Reporter, e), &e, cat, phone, now); err != nil {
		return 0, err
	}
	return e.ID, nil
}

func (s *Service) replayStep(ctx context.Context, tx *sql.Tx, item *queued, ids map[int]int64, out *Replayed) error {
	e, err := s.loadEventTx(ctx, tx, item.id)
	if err != nil {
		return err
	}
	cat, err := s.cats.Get(ctx, e.CategoryCode)
	if err != nil {
		return err
	}
	in := item.step.Input
	in.Version = e.Version
	if in.Action == Merge {
		in.DuplicateOf = ids[item.step.DuplicateOf]
	}
	p := replayer(item.step.By, e)
	if _, err := tx.ExecContext(ctx, `SAVEPOINT r`); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	err = s.apply(ctx, tx, &e, p, []Party{item.step.By}, in, cat, audit.Canonical(item.step.At))
	if _, ok := apperr.As(err); ok {
		// Refused like any action would be: the event stays as it was.
		out.Refused++
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT r`); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		item.steps = item.steps[:item.next+1] // the rest of its life no longer follows
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT r`); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	out.Actions++
	return nil
}

// replayer is who acts in a replayed step: a stand-in of the party, named
// as the history shows it.
func replayer(by Party, e Event) auth.Principal {
	u := auth.User{Username: "demo", DisplayName: "演示 " + string(by)}
	switch by {
	case Center:
		// Deployment-wide, as the replay is the system's own: a center's
		// merge names an event it must be able to see.
		u.Role, u.DisplayName = auth.RoleAdmin, "综治中心 "+e.RegionCode
	case Dept:
		u.Role, u.ScopeDepartment, u.DisplayName = auth.RoleDepartment, e.LeadDepartment, e.LeadDepartment
	case Worker:
		u.Role, u.DisplayName = auth.RoleWorker, "网格员 "+e.GridCode
	case Reporter:
		u.Role, u.DisplayName = auth.RoleResident, orDefault(e.ReporterName, "居民")
	}
	return auth.Principal{User: u}
}

type queued struct {
	id    int64
	steps []Step
	next  int
	step  Step
}

// stepQueue orders the next step of every open script by its moment.
type stepQueue []*queued

func (q stepQueue) Len() int           { return len(q) }
func (q stepQueue) Less(i, j int) bool { return q[i].step.At.Before(q[j].step.At) }
func (q stepQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *stepQueue) Push(x any)        { *q = append(*q, x.(*queued)) }
func (q *stepQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
