package event_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/secret"
)

var cst = time.FixedZone("CST", 8*3600)

// at is a time on Monday 2026-06-01, Beijing time, the fixture's first day.
func at(t *testing.T, hhmm string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", "2026-06-01 "+hhmm, cst)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func (f *fixture) setClock(v time.Time) {
	f.clock.mu.Lock()
	defer f.clock.mu.Unlock()
	f.clock.t = v
}

func (f *fixture) sweep(t *testing.T, now time.Time, opt event.SweepOptions) event.Sweep {
	t.Helper()
	f.setClock(now)
	s, err := f.svc.SweepDeadlinesWith(context.Background(), now, opt)
	if err != nil {
		t.Fatalf("sweep at %s: %v", now.In(cst).Format("15:04"), err)
	}
	return s
}

func (f *fixture) get(t *testing.T, id int64) event.Detail {
	t.Helper()
	d, err := f.svc.Get(context.Background(), f.city, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func garbage(f *fixture, t *testing.T) event.Event {
	return f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "路边垃圾",
		Lng: ptr(125.05), Lat: ptr(46.0)})
}

// A step turns yellow at 80% of its working time and red when its deadline
// has passed, once each; sweeping again changes nothing; an action begun
// before a raise conflicts; a new step is watched afresh.
func TestDeadlineSweepYellowThenRed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		e := garbage(f, t) // registration: 30 minutes, due 09:30
		if s := f.sweep(t, at(t, "09:20"), event.SweepOptions{}); len(s.Warnings) != 0 || s.Checked != 1 {
			t.Fatalf("09:20: %+v", s)
		}
		if s := f.sweep(t, at(t, "09:20"), event.SweepOptions{}); s.Checked != 0 {
			t.Fatalf("09:20 again looked at %d events, want none", s.Checked)
		}
		s := f.sweep(t, at(t, "09:25"), event.SweepOptions{})
		if s.Yellow != 1 || len(s.Warnings) != 1 {
			t.Fatalf("09:25: %+v", s)
		}
		w := s.Warnings[0]
		if w.EventID != e.ID || w.Kind != "warn_yellow" || w.Level != "yellow" || w.Overdue || w.Step != category.Register ||
			w.Region != "990101001" || w.HolderLevel != "township" || w.Grid != grid1 || w.Department != "" {
			t.Fatalf("yellow warning = %+v", w)
		}
		got := f.get(t, e.ID)
		last := got.History[len(got.History)-1]
		if got.Warning != "yellow" || got.Version != e.Version+1 || last.Action != "warn_yellow" || last.ActorName != "system" ||
			last.Role != "system" || last.StepOnTime != nil {
			t.Fatalf("after yellow: warning %q version %d, last %+v", got.Warning, got.Version, last)
		}
		// The center's register, begun on the version before the card.
		_, err := f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Register, Version: e.Version})
		wantCode(t, err, apperr.Conflict, "version")
		if s := f.sweep(t, at(t, "09:29"), event.SweepOptions{}); s.Checked != 0 {
			t.Fatalf("09:29: %+v", s)
		}

		s = f.sweep(t, at(t, "09:31"), event.SweepOptions{})
		if s.Red != 1 || s.Overdue != 1 || len(s.Warnings) != 1 || s.Warnings[0].Kind != "warn_red" || !s.Warnings[0].Overdue ||
			s.Warnings[0].Reason != "step_due" {
			t.Fatalf("09:31: %+v", s)
		}
		for _, now := range []string{"09:31", "09:45", "17:00"} {
			if s := f.sweep(t, at(t, now), event.SweepOptions{}); s.Checked != 0 {
				t.Fatalf("%s: %+v", now, s)
			}
		}
		got = f.get(t, e.ID)
		if got.Warning != "red" || got.Version != e.Version+2 {
			t.Fatalf("after red: %+v", got.Event)
		}
		st, _ := f.svc.Stats(ctx, f.city, "", "2026-06", "", "")
		if st.Counts["overdue"] != 1 {
			t.Fatalf("counts = %v", st.Counts)
		}

		// Registered at 17:20: the dispatch step (30 working minutes) runs
		// into Tuesday morning, 08:50, and is watched afresh.
		f.setClock(at(t, "17:20"))
		e = f.act(t, f.township, got.Event, event.ActInput{Action: event.Register})
		if s := f.sweep(t, at(t, "17:21"), event.SweepOptions{}); s.Checked != 1 || len(s.Warnings) != 0 {
			t.Fatalf("17:21: %+v", s)
		}
		tuesday := at(t, "08:45").Add(24 * time.Hour)
		if s := f.sweep(t, tuesday.Add(-2*time.Minute), event.SweepOptions{}); s.Checked != 0 {
			t.Fatalf("Tuesday 08:43: %+v", s)
		}
		s = f.sweep(t, tuesday, event.SweepOptions{})
		if len(s.Warnings) != 1 || s.Warnings[0].Kind != "warn_yellow" || s.Warnings[0].Step != category.Dispatch || s.Warnings[0].EventID != e.ID {
			t.Fatalf("Tuesday 08:45: %+v", s)
		}
		checkRecount(t, f)
	})
}

// The overdue measure and every other counter agree with a recount from
// the events and their history, also when sweeps race with actions.
func TestDeadlineCountersMatchRecount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		cg := principal(8, auth.RoleDepartment, "", "D-CG")

		late := garbage(f, t)   // overdue at registration
		slow := garbage(f, t)   // overdue in handling
		onTime := garbage(f, t) // never late
		superv := garbage(f, t) // a supervision deadline lapses
		f.sweep(t, at(t, "09:05"), event.SweepOptions{})
		slow = f.act(t, f.township, slow, event.ActInput{Action: event.Register})
		slow = f.act(t, f.township, slow, event.ActInput{Action: event.Dispatch})
		slow = f.act(t, cg, slow, event.ActInput{Action: event.Accept}) // handle: 4 working hours, due 14:30
		onTime = f.act(t, f.township, onTime, event.ActInput{Action: event.Register})
		onTime = f.act(t, f.worker, onTime, event.ActInput{Action: event.SelfHandle})
		superv = f.act(t, f.township, superv, event.ActInput{Action: event.Register})
		superv = f.act(t, f.worker, superv, event.ActInput{Action: event.SelfHandle})
		superv = f.act(t, f.worker, superv, event.ActInput{Action: event.RequestExtension, Note: "等车", Extension: &category.Amount{Amount: 5, Unit: category.Days}})
		superv = f.act(t, f.township, superv, event.ActInput{Action: event.ApproveExtension})
		superv = f.act(t, f.township, superv, event.ActInput{Action: event.Supervise, Note: "限期", Card: "yellow"}) // due in 2 working days

		f.sweep(t, at(t, "09:40"), event.SweepOptions{})
		f.setClock(at(t, "10:00"))
		late = f.act(t, f.township, f.get(t, late.ID).Event, event.ActInput{Action: event.Register})
		onTime = f.act(t, f.worker, onTime, event.ActInput{Action: event.Feedback, Note: "已清理"})
		onTime = f.act(t, f.township, onTime, event.ActInput{Action: event.Verify})

		// The handle step (4 working hours from 09:05) ran out at 14:35; a
		// sweep races with the department's late feedback.
		f.setClock(at(t, "14:40"))
		slow = f.get(t, slow.ID).Event
		var wg sync.WaitGroup
		var actErr, sweepErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, actErr = f.svc.Act(ctx, cg, slow.ID, event.ActInput{Action: event.Feedback, Note: "已清运", Version: slow.Version})
		}()
		go func() {
			defer wg.Done()
			_, sweepErr = f.svc.SweepDeadlinesWith(ctx, at(t, "14:40"), event.SweepOptions{})
		}()
		wg.Wait()
		if sweepErr != nil || (actErr != nil && !apperr.Is(actErr, apperr.Conflict)) {
			t.Fatalf("race: sweep %v, action %v", sweepErr, actErr)
		}
		f.sweep(t, at(t, "14:40"), event.SweepOptions{})
		// Wednesday after the supervision deadline (two working days).
		f.sweep(t, at(t, "18:00").Add(48*time.Hour), event.SweepOptions{})

		sv := f.get(t, superv.ID)
		var kinds []string
		for _, h := range sv.History {
			if strings.HasPrefix(h.Action, "warn_") || h.Action == "step_overdue" {
				kinds = append(kinds, h.Action+":"+h.Detail["reason"].(string))
			}
		}
		if strings.Join(kinds, " ") != "warn_red:supervise_due" {
			t.Fatalf("supervised event raised %v", kinds)
		}
		checkRecount(t, f)
		st, _ := f.svc.Stats(ctx, f.city, "", "2026-06", "", "")
		// late and slow ran over; onTime did not; superv is red but not overdue.
		if st.Counts["overdue"] != 2 {
			t.Fatalf("overdue = %d, want 2", st.Counts["overdue"])
		}
	})
}

// checkRecount compares the counters of the city for June with a recount
// from the events' flags, and the overdue counter with the history.
func checkRecount(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	st, err := f.svc.Stats(ctx, f.city, "", "2026-06", "", "")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.d.Read().QueryContext(ctx, `SELECT measures FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	recount := map[string]int64{}
	for rows.Next() {
		var m int64
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		for bit, name := range event.Measures() {
			if m&(1<<bit) != 0 {
				recount[name]++
			}
		}
	}
	for _, name := range event.Measures() {
		if st.Counts[name] != recount[name] {
			t.Errorf("counter %s = %d, recount from events %d", name, st.Counts[name], recount[name])
		}
	}
	var fromHistory int64
	err = f.d.Read().QueryRowContext(ctx, `SELECT COUNT(DISTINCT event_id) FROM event_actions
		WHERE step_on_time = 0 OR detail LIKE '%"overdue":true%'`).Scan(&fromHistory)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts["overdue"] != fromHistory {
		t.Errorf("overdue counter %d, recount from the history %d", st.Counts["overdue"], fromHistory)
	}
}

// With the township rule, an event the township registered but did not
// dispatch in time goes up to the county by itself, through the state
// machine; at the county it only turns red.
func TestDeadlineAutoEscalate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		auto := event.SweepOptions{Escalate: event.EscalateRedAtTownship}
		e := garbage(f, t)
		e = f.act(t, f.township, e, event.ActInput{Action: event.Register}) // dispatch due 09:30
		kept := f.act(t, f.township, garbage(f, t), event.ActInput{Action: event.Register})

		s := f.sweep(t, at(t, "09:31"), event.SweepOptions{Limit: 1}) // without the rule: red only
		if s.Red != 2 || s.Escalated != 0 {
			t.Fatalf("without the rule: %+v", s)
		}
		if got := f.get(t, kept.ID); got.Level != "township" {
			t.Fatalf("escalated without the rule: %+v", got.Event)
		}

		e2 := f.act(t, f.township, garbage(f, t), event.ActInput{Action: event.Register}) // registered 09:31, due 10:01
		s = f.sweep(t, at(t, "10:02"), auto)
		if s.Escalated != 1 || len(s.Warnings) != 1 || s.Warnings[0].EventID != e2.ID || s.Warnings[0].EscalatedTo != "990101" ||
			s.Warnings[0].Region != "990101001" {
			t.Fatalf("with the rule: %+v", s)
		}
		got := f.get(t, e2.ID)
		last := got.History[len(got.History)-1]
		if got.Level != "county" || got.RegionCode != "990101" || got.State != event.Registered || last.Action != "escalate" ||
			last.ActorName != "system" || last.StepOnTime == nil || *last.StepOnTime {
			t.Fatalf("escalated = %+v, last %+v", got.Event, last)
		}
		// The county's dispatch step (30 minutes from 10:02) turns red at
		// 10:33; the county is not a township, so it stays.
		if s := f.sweep(t, at(t, "10:05"), auto); len(s.Warnings) != 0 {
			t.Fatalf("10:05: %+v", s)
		}
		s = f.sweep(t, at(t, "10:33"), auto)
		if s.Red != 1 || s.Escalated != 0 {
			t.Fatalf("10:33: %+v", s)
		}
		if got := f.get(t, e2.ID); got.Level != "county" {
			t.Fatalf("escalated twice: %+v", got.Event)
		}
		checkRecount(t, f)
		_ = e
	})
}

// Notifications are stored in the sweep's transaction: when that fails,
// nothing is raised and the next sweep raises it.
func TestDeadlineDeliverFailureRollsBack(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := garbage(f, t)
		boom := errors.New("boom")
		_, err := f.svc.SweepDeadlinesWith(context.Background(), at(t, "09:31"), event.SweepOptions{
			Deliver: func(context.Context, *sql.Tx, []event.Warning) error { return boom }})
		if !errors.Is(err, boom) {
			t.Fatalf("sweep = %v, want boom", err)
		}
		if got := f.get(t, e.ID); got.Version != e.Version || len(got.History) != 1 {
			t.Fatalf("half-written: %+v", got)
		}
		var delivered []event.Warning
		f.sweep(t, at(t, "09:31"), event.SweepOptions{Deliver: func(_ context.Context, _ *sql.Tx, ws []event.Warning) error {
			delivered = append(delivered, ws...)
			return nil
		}})
		if len(delivered) != 1 || delivered[0].Kind != "warn_red" {
			t.Fatalf("delivered %+v", delivered)
		}
		checkRecount(t, f)
	})
}

// The sweep's queries are answered from the partial indexes.
func TestDeadlineSweepUsesIndexes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for query, index := range map[string]string{
			`SELECT id FROM events WHERE next_warn_at < $1 ORDER BY next_warn_at LIMIT 10`: "events_next_warn",
			`SELECT id FROM events WHERE swept_version <> version ORDER BY id LIMIT 10`:    "events_unswept",
		} {
			var plan []string
			err := d.InTx(ctx, func(tx *sql.Tx) error {
				explain := "EXPLAIN QUERY PLAN "
				if d.Engine == db.Postgres {
					explain = "EXPLAIN "
					// The test table is empty; ask what the plan would be
					// on a large one.
					if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
						return err
					}
				}
				q, args := query, []any{}
				if strings.Contains(q, "$1") {
					args = append(args, time.Now().UTC())
				}
				if d.Engine == db.Postgres && len(args) > 0 {
					// pgx sends no parameters with EXPLAIN.
					q, args = strings.ReplaceAll(q, "$1", "'2026-06-01T00:00:00Z'::timestamptz"), nil
				}
				rows, err := tx.QueryContext(ctx, explain+q, args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						return err
					}
					for _, v := range vals {
						if s, ok := v.(string); ok {
							plan = append(plan, s)
						} else if b, ok := v.([]byte); ok {
							plan = append(plan, string(b))
						}
					}
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(plan, "\n"), index) {
				t.Errorf("%s\nplan does not use %s:\n%s", query, index, strings.Join(plan, "\n"))
			}
		}
	})
}

// A category may give the red card later than the deadline (red_at 1.5):
// the step is marked overdue at its deadline with the card still yellow,
// and turns red at 150% of its working time.
func TestDeadlineRedAfterTheDeadline(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		cats := category.NewService(d, log, f.clock.Now)
		c, err := cats.Get(ctx, "city_appearance.exposed_garbage")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cats.Update(ctx, auth.System("test"), c.Code, category.Patch{Version: c.Version, YellowAt: ptr(0.5), RedAt: ptr(1.5)}); err != nil {
			t.Fatal(err)
		}
		keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
		f.svc = event.NewService(event.Config{DB: d, Keys: keys, Locator: fakeLocator{}, Catalog: cats, Now: f.clock.Now, Log: log})
		e := garbage(f, t) // registration due 09:30: yellow 09:15, red 09:45

		steps := []struct {
			at, kind, level, reason string
			overdue                 bool
		}{
			{"09:14", "", "", "", false},
			{"09:16", "warn_yellow", "yellow", "yellow_at", false},
			{"09:30", "", "", "", false},
			{"09:31", "step_overdue", "yellow", "step_due", true},
			{"09:44", "", "", "", false},
			{"09:46", "warn_red", "red", "red_at", false},
			{"10:30", "", "", "", false},
		}
		for _, st := range steps {
			s := f.sweep(t, at(t, st.at), event.SweepOptions{})
			if st.kind == "" {
				if len(s.Warnings) != 0 {
					t.Fatalf("%s: %+v", st.at, s.Warnings)
				}
				continue
			}
			if len(s.Warnings) != 1 {
				t.Fatalf("%s: %+v", st.at, s)
			}
			w := s.Warnings[0]
			if w.Kind != st.kind || w.Level != st.level || w.Reason != st.reason || w.Overdue != st.overdue {
				t.Fatalf("%s: %+v", st.at, w)
			}
			// The stored card; Get still colours red at the deadline
			// (query.go's warn ignores red_at).
			var card string
			if err := d.Read().QueryRowContext(ctx, `SELECT warning FROM events WHERE id = $1`, e.ID).Scan(&card); err != nil || card != st.level {
				t.Fatalf("%s: event's card %q, %v", st.at, card, err)
			}
		}
		checkRecount(t, f)
	})
}
