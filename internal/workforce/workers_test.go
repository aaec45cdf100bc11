package workforce_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/workforce"
)

func TestWorkerValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ok := func(mod func(*workforce.WorkerInput)) workforce.WorkerInput {
			in := workforce.WorkerInput{Name: "张三", Employment: workforce.FullTime, HireDate: "2024-03-01", Grids: grids(gridA)}
			mod(&in)
			return in
		}
		bad := int64(-1)
		cases := []struct {
			name  string
			in    workforce.WorkerInput
			code  apperr.Code
			field string
		}{
			{"no name", ok(func(in *workforce.WorkerInput) { in.Name = " " }), apperr.Invalid, "name"},
			{"long name", ok(func(in *workforce.WorkerInput) { in.Name = strings.Repeat("张", 51) }), apperr.Invalid, "name"},
			{"markup in name", ok(func(in *workforce.WorkerInput) { in.Name = "<b>张</b>" }), apperr.Invalid, "name"},
			{"bad phone", ok(func(in *workforce.WorkerInput) { in.Phone = "12345" }), apperr.Invalid, "phone"},
			{"bad account id", ok(func(in *workforce.WorkerInput) { in.UserID = &bad }), apperr.Invalid, "user_id"},
			{"no employment", ok(func(in *workforce.WorkerInput) { in.Employment = "" }), apperr.Invalid, "employment"},
			{"unknown employment", ok(func(in *workforce.WorkerInput) { in.Employment = "contract" }), apperr.Invalid, "employment"},
			{"bad hire date", ok(func(in *workforce.WorkerInput) { in.HireDate = "2024/03/01" }), apperr.Invalid, "hire_date"},
			{"future hire date", ok(func(in *workforce.WorkerInput) { in.HireDate = "2026-07-01" }), apperr.Invalid, "hire_date"},
			{"no grids", ok(func(in *workforce.WorkerInput) { in.Grids = nil }), apperr.Invalid, "grids"},
			{"grid twice", ok(func(in *workforce.WorkerInput) { in.Grids = grids(gridA, gridA) }), apperr.Invalid, "grids[1].grid_code"},
			{"no primary", ok(func(in *workforce.WorkerInput) {
				in.Grids = []workforce.GridAssignment{{GridCode: gridA}, {GridCode: gridB}}
			}), apperr.Invalid, "grids"},
			{"two primaries", ok(func(in *workforce.WorkerInput) {
				in.Grids = []workforce.GridAssignment{{GridCode: gridA, Primary: true}, {GridCode: gridB, Primary: true}}
			}), apperr.Invalid, "grids[1].primary"},
			{"unknown grid", ok(func(in *workforce.WorkerInput) { in.Grids = grids("990101001001009") }), apperr.Invalid, "grids[0].grid_code"},
			{"not a grid", ok(func(in *workforce.WorkerInput) { in.Grids = grids("990101001001") }), apperr.Invalid, "grids[0].grid_code"},
			{"schedule day", ok(func(in *workforce.WorkerInput) {
				in.Schedule = &workforce.Schedule{Days: []int{1, 7}, Start: "08:00", End: "17:00"}
			}), apperr.Invalid, "schedule.days[1]"},
			{"schedule end before start", ok(func(in *workforce.WorkerInput) {
				in.Schedule = &workforce.Schedule{Days: []int{1}, Start: "17:00", End: "08:00"}
			}), apperr.Invalid, "schedule.end"},
			{"schedule time", ok(func(in *workforce.WorkerInput) {
				in.Schedule = &workforce.Schedule{Days: []int{1}, Start: "8 am", End: "17:00"}
			}), apperr.Invalid, "schedule.start"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.CreateWorker(context.Background(), f.county, tc.in)
				wantField(t, err, tc.code, tc.field)
			})
		}
		// A township center cannot place a worker in the other township.
		_, err := f.svc.CreateWorker(context.Background(), f.west, ok(func(*workforce.WorkerInput) {}))
		wantField(t, err, apperr.Invalid, "grids[0].grid_code")
		worker := principal(9, "w", auth.RoleWorker, pathEast)
		if _, err := f.svc.CreateWorker(context.Background(), worker, ok(func(*workforce.WorkerInput) {})); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a worker created a worker: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM workers`); n != 0 {
			t.Fatalf("%d workers stored from refused input", n)
		}
	})
}

func TestWorkersCRUDScopeAndVersions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		acct := f.account("li.worker", auth.RoleWorker, "990101001001")
		w := f.worker(f.east, workforce.WorkerInput{Name: " 李四 ", Phone: "138 1234 5678", UserID: &acct,
			Grids: []workforce.GridAssignment{{GridCode: gridA, Primary: true, GridChief: true}, {GridCode: gridB}}})
		if w.Name != "李四" || w.Phone != "138****5678" || w.PrimaryGrid != gridA || len(w.Grids) != 2 || !w.Grids[0].GridChief ||
			w.Grids[0].GridName != "友谊一网格" || w.Version != 1 || !w.Active || w.Schedule != nil || w.Device != nil {
			t.Fatalf("created = %+v", w)
		}
		var sealed []byte
		_ = d.Read().QueryRowContext(ctx, `SELECT phone_enc FROM workers WHERE id = $1`, w.ID).Scan(&sealed)
		if len(sealed) == 0 || strings.Contains(string(sealed), "13812345678") {
			t.Fatal("phone stored in clear or not at all")
		}

		// A second chief of the same grid is refused; the account is one worker's.
		_, err := f.svc.CreateWorker(ctx, f.east, workforce.WorkerInput{Name: "王五", Employment: workforce.PartTime, HireDate: "2025-01-01",
			Grids: []workforce.GridAssignment{{GridCode: gridA, Primary: true, GridChief: true}}})
		wantField(t, err, apperr.Conflict, "grids[0].grid_chief")
		_, err = f.svc.CreateWorker(ctx, f.east, workforce.WorkerInput{Name: "王五", Employment: workforce.PartTime, HireDate: "2025-01-01",
			UserID: &acct, Grids: grids(gridB)})
		wantField(t, err, apperr.Conflict, "user_id")
		center := f.account("east.center", auth.RoleCenter, "990101001")
		_, err = f.svc.CreateWorker(ctx, f.east, workforce.WorkerInput{Name: "王五", Employment: workforce.PartTime, HireDate: "2025-01-01",
			UserID: &center, Grids: grids(gridB)})
		wantField(t, err, apperr.Invalid, "user_id")
		narrow := f.account("narrow", auth.RoleWorker, gridB)
		_, err = f.svc.CreateWorker(ctx, f.east, workforce.WorkerInput{Name: "王五", Employment: workforce.PartTime, HireDate: "2025-01-01",
			UserID: &narrow, Grids: grids(gridA)})
		wantField(t, err, apperr.Invalid, "user_id")
		other := f.account("west.worker", auth.RoleWorker, "990101002001")
		_, err = f.svc.CreateWorker(ctx, f.east, workforce.WorkerInput{Name: "王五", Employment: workforce.PartTime, HireDate: "2025-01-01",
			UserID: &other, Grids: grids(gridA)})
		if e, _ := apperr.As(err); e == nil || !strings.Contains(e.Error(), "not found") {
			t.Fatalf("an account outside scope was revealed: %v", err)
		}

		// Scope: the other township sees nothing; the worker sees their own record.
		if _, err := f.svc.GetWorker(ctx, f.west, w.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("get outside scope: %v", err)
		}
		self := principal(acct, "li.worker", auth.RoleWorker, "/990100/990101/990101001/990101001001/")
		if me, err := f.svc.Me(ctx, self); err != nil || me.ID != w.ID {
			t.Fatalf("me = %+v, %v", me, err)
		}
		if _, err := f.svc.Me(ctx, principal(99, "nobody", auth.RoleWorker, pathEast)); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("me without a record: %v", err)
		}
		pt := f.worker(f.west, workforce.WorkerInput{Name: "赵六", Employment: workforce.PartTime, Grids: grids(gridC)})
		cases := []struct {
			name string
			p    auth.Principal
			q    workforce.WorkerQuery
			want []int64
		}{
			{"county sees all", f.county, workforce.WorkerQuery{}, []int64{w.ID, pt.ID}},
			{"township sees its own", f.west, workforce.WorkerQuery{}, []int64{pt.ID}},
			{"by region", f.county, workforce.WorkerQuery{Region: "990101001"}, []int64{w.ID}},
			{"by secondary grid", f.county, workforce.WorkerQuery{Grid: gridB}, []int64{w.ID}},
			{"by employment", f.county, workforce.WorkerQuery{Employment: workforce.PartTime}, []int64{pt.ID}},
			{"paged", f.county, workforce.WorkerQuery{Limit: 1, After: w.ID}, []int64{pt.ID}},
		}
		for _, tc := range cases {
			page, err := f.svc.ListWorkers(ctx, tc.p, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var got []int64
			for _, x := range page.Items {
				got = append(got, x.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
			}
		}
		if _, err := f.svc.ListWorkers(ctx, f.west, workforce.WorkerQuery{Region: "990101001"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("listing another township: %v", err)
		}

		// Versioned updates: a stale version is a conflict naming the version.
		name := "李四一"
		up, err := f.svc.UpdateWorker(ctx, f.east, w.ID, workforce.WorkerPatch{Version: 1, Name: &name,
			Schedule: &workforce.Schedule{Days: []int{6, 0}, Start: "09:00", End: "17:00"}})
		if err != nil || up.Name != name || up.Version != 2 || up.Schedule == nil || up.Phone != "138****5678" {
			t.Fatalf("update = %+v, %v", up, err)
		}
		_, err = f.svc.UpdateWorker(ctx, f.east, w.ID, workforce.WorkerPatch{Version: 1, Name: &name})
		wantField(t, err, apperr.Conflict, "version")
		_, err = f.svc.UpdateWorker(ctx, f.east, w.ID, workforce.WorkerPatch{Version: 1, HireDate: &name})
		wantField(t, err, apperr.Invalid, "hire_date")
		if _, err := f.svc.UpdateWorker(ctx, f.west, w.ID, workforce.WorkerPatch{Version: 2, Name: &name}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("update outside scope: %v", err)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "worker.update"})
		if len(entries) != 1 || fmt.Sprint(entries[0].Detail["changed"]) != "[name schedule]" {
			t.Fatalf("update audit = %+v", entries)
		}

		// Deletion is for mistakes only: a worker with a device is deactivated instead.
		f.enrol(f.east, w.ID, newDevice("phone-0001", 1))
		if err := f.svc.DeleteWorker(ctx, f.east, w.ID, 2); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("delete a worker with a device: %v", err)
		}
		if err := f.svc.DeleteWorker(ctx, f.west, pt.ID, 7); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("delete with a stale version: %v", err)
		}
		if err := f.svc.DeleteWorker(ctx, f.west, pt.ID, pt.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.GetWorker(ctx, f.county, pt.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("deleted worker: %v", err)
		}

		// Deactivation unbinds the device and gives up the chief's post.
		off := false
		gone, err := f.svc.UpdateWorker(ctx, f.east, w.ID, workforce.WorkerPatch{Version: 2, Active: &off})
		if err != nil || gone.Active || gone.Device != nil || gone.Grids[0].GridChief {
			t.Fatalf("deactivated = %+v, %v", gone, err)
		}
		if auditCount(t, d, "device.unbind") != 1 {
			t.Fatal("the unbinding was not audited")
		}
		if _, err := f.svc.CreateWorker(ctx, f.east, workforce.WorkerInput{Name: "新网格长", Employment: workforce.FullTime, HireDate: "2026-05-01",
			Grids: []workforce.GridAssignment{{GridCode: gridA, Primary: true, GridChief: true}}}); err != nil {
			t.Fatalf("a new chief after the old one left: %v", err)
		}
	})
}

func TestTeams(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		team, err := f.svc.TeamOf(ctx, f.east, gridA)
		if err != nil || team.Complete || fmt.Sprint(team.Missing) != "[worker police]" {
			t.Fatalf("empty team = %+v, %v", team, err)
		}
		acct := f.account("li.worker", auth.RoleWorker, "990101001001")
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", Phone: "13812345678", UserID: &acct,
			Grids: []workforce.GridAssignment{{GridCode: gridA, Primary: true, GridChief: true}}})
		cases := []struct {
			name  string
			in    workforce.MemberInput
			field string
		}{
			{"worker as a member", workforce.MemberInput{Role: "worker", Name: "张三"}, "role"},
			{"unknown role", workforce.MemberInput{Role: "mayor", Name: "张三"}, "role"},
			{"no name", workforce.MemberInput{Role: workforce.RolePolice}, "name"},
			{"bad phone", workforce.MemberInput{Role: workforce.RolePolice, Name: "张三", Phone: "110"}, "phone"},
			{"staff without department", workforce.MemberInput{Role: workforce.RoleDepartmentStaff, Name: "张三"}, "department_code"},
			{"bad department", workforce.MemberInput{Role: workforce.RoleDepartmentStaff, Name: "张三", DepartmentCode: "城管 局"}, "department_code"},
		}
		for _, tc := range cases {
			_, err := f.svc.AddMember(ctx, f.east, gridA, tc.in)
			wantField(t, err, apperr.Invalid, tc.field)
		}
		police, err := f.svc.AddMember(ctx, f.east, gridA, workforce.MemberInput{Role: workforce.RolePolice, Name: "王警官", Phone: "13900001111"})
		if err != nil || police.Phone != "139****1111" || police.Version != 1 {
			t.Fatalf("police = %+v, %v", police, err)
		}
		if _, err := f.svc.AddMember(ctx, f.east, gridA, workforce.MemberInput{Role: workforce.RoleVolunteer, Name: "志愿者甲"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddMember(ctx, f.west, gridA, workforce.MemberInput{Role: workforce.RoleVolunteer, Name: "志愿者乙"}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("member added outside scope: %v", err)
		}
		team, _ = f.svc.TeamOf(ctx, f.east, gridA)
		if !team.Complete || len(team.Workers) != 1 || team.Workers[0].WorkerID != w.ID || !team.Workers[0].GridChief ||
			team.Workers[0].Phone != "138****5678" || len(team.Members) != 2 {
			t.Fatalf("team = %+v", team)
		}
		if _, err := f.svc.TeamOf(ctx, f.west, gridA); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("team outside scope: %v", err)
		}
		// A worker sees the team of their own grid only.
		self := principal(acct, "li.worker", auth.RoleWorker, "/990100/990101/990101001/990101001001/")
		if own, err := f.svc.TeamOf(ctx, self, gridA); err != nil || len(own.Members) != 2 {
			t.Fatalf("own team = %+v, %v", own, err)
		}
		if _, err := f.svc.TeamOf(ctx, self, gridB); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a worker read another grid's team: %v", err)
		}
		note, short := "社区民警", "王"
		up, err := f.svc.UpdateMember(ctx, f.east, police.ID, workforce.MemberPatch{Version: 1, Note: &note})
		if err != nil || up.Version != 2 || up.Phone != "139****1111" || up.Note != "社区民警" {
			t.Fatalf("update member = %+v, %v", up, err)
		}
		_, err = f.svc.UpdateMember(ctx, f.east, police.ID, workforce.MemberPatch{Version: 1, Name: &short})
		wantField(t, err, apperr.Conflict, "version")
		if err := f.svc.RemoveMember(ctx, f.east, police.ID, 1); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("remove with a stale version: %v", err)
		}
		if err := f.svc.RemoveMember(ctx, f.east, police.ID, 2); err != nil {
			t.Fatal(err)
		}
		if team, _ = f.svc.TeamOf(ctx, f.east, gridA); team.Complete || fmt.Sprint(team.Missing) != "[police]" {
			t.Fatalf("team without police = %+v", team)
		}
		if n := auditCount(t, d, "team_member.create") + auditCount(t, d, "team_member.update") + auditCount(t, d, "team_member.delete"); n != 4 {
			t.Fatalf("%d team changes audited, want 4", n)
		}
	})
}

// A member's department must exist, be active and serve the grid: its
// region holds the grid, though it may lie above the caller's own area.
func TestTeamMemberDepartment(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		now := time.Now().UTC()
		for _, dp := range []struct {
			code, region, path string
			level              int
			active             bool
		}{
			{"990101-police", "990101", pathCounty, 2, true},
			{"990101001-office", "990101001", pathEast, 3, true},
			{"990101002-office", "990101002", pathWest, 3, true},
			{"990101-closed", "990101", pathCounty, 2, false},
		} {
			if _, err := d.Write().ExecContext(ctx, `INSERT INTO departments (code, name, level, region_code, region_path, active, created_at, updated_at)
				VALUES ($1, $1, $2, $3, $4, $5, $6, $6)`, dp.code, dp.level, dp.region, dp.path, dp.active, now); err != nil {
				t.Fatal(err)
			}
		}
		staff := func(dept string) workforce.MemberInput {
			return workforce.MemberInput{Role: workforce.RoleDepartmentStaff, Name: "某人", DepartmentCode: dept}
		}
		for _, tc := range []struct {
			name, dept, reason string
		}{
			{"unknown", "nonexistent-dept", "no department has code nonexistent-dept"},
			{"inactive", "990101-closed", "no longer active"},
			{"another township", "990101002-office", "does not serve grid " + gridA},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.AddMember(ctx, f.east, gridA, staff(tc.dept))
				wantField(t, err, apperr.Invalid, "department_code")
				if e, _ := apperr.As(err); !strings.Contains(e.Fields[0].Reason, tc.reason) {
					t.Fatalf("reason = %q, want %q", e.Fields[0].Reason, tc.reason)
				}
			})
		}
		// The township's own office, and the county's bureau above the
		// township center's area, both serve the grid.
		own, err := f.svc.AddMember(ctx, f.east, gridA, staff("990101001-office"))
		if err != nil {
			t.Fatalf("the township's department: %v", err)
		}
		if _, err := f.svc.AddMember(ctx, f.east, gridA, staff("990101-police")); err != nil {
			t.Fatalf("the county's department: %v", err)
		}
		// An update is checked when it names another department.
		dept := "nonexistent-dept"
		_, err = f.svc.UpdateMember(ctx, f.east, own.ID, workforce.MemberPatch{Version: own.Version, DepartmentCode: &dept})
		wantField(t, err, apperr.Invalid, "department_code")
		dept = "990101-police"
		if up, err := f.svc.UpdateMember(ctx, f.east, own.ID, workforce.MemberPatch{Version: own.Version, DepartmentCode: &dept}); err != nil || up.DepartmentCode != "990101-police" {
			t.Fatalf("update = %+v, %v", up, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM team_members WHERE department_code = 'nonexistent-dept'`); n != 0 {
			t.Fatalf("%d members of an unknown department stored", n)
		}
	})
}

// A member's PATCH: a field given replaces, a field left out keeps, and an
// empty phone, department or note removes it (the sealed phone with it).
func TestTeamMemberPatch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		m, err := f.svc.AddMember(ctx, f.east, gridA, workforce.MemberInput{Role: workforce.RoleVolunteer, Name: "志愿者甲", Phone: "13900001111", Note: "楼长"})
		if err != nil {
			t.Fatal(err)
		}
		s := func(v string) *string { return &v }
		mediator := workforce.RoleMediator
		steps := []struct {
			name  string
			patch workforce.MemberPatch
			phone string
			note  string
			role  workforce.TeamRole
		}{
			{"phone left out is kept", workforce.MemberPatch{Name: s("志愿者乙"), Note: s("平安志愿者")}, "139****1111", "平安志愿者", workforce.RoleVolunteer},
			{"note left out is kept", workforce.MemberPatch{Role: &mediator}, "139****1111", "平安志愿者", workforce.RoleMediator},
			{"new phone replaces", workforce.MemberPatch{Phone: s("13800002222")}, "138****2222", "平安志愿者", workforce.RoleMediator},
			{"empty phone removes", workforce.MemberPatch{Phone: s(""), Note: s("")}, "", "", workforce.RoleMediator},
			{"still none", workforce.MemberPatch{Name: s("志愿者丙")}, "", "", workforce.RoleMediator},
		}
		for _, st := range steps {
			st.patch.Version = m.Version
			m, err = f.svc.UpdateMember(ctx, f.east, m.ID, st.patch)
			if err != nil || m.Phone != st.phone || m.Note != st.note || m.Role != st.role {
				t.Fatalf("%s: member = %+v, %v", st.name, m, err)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM team_members WHERE id = $1 AND phone_enc IS NULL AND phone_mask = ''`, m.ID); n != 1 {
			t.Fatal("the removed phone is still stored")
		}
		_, err = f.svc.UpdateMember(ctx, f.east, m.ID, workforce.MemberPatch{Version: m.Version, Name: s("")})
		wantField(t, err, apperr.Invalid, "name")
		staff := workforce.RoleDepartmentStaff
		_, err = f.svc.UpdateMember(ctx, f.east, m.ID, workforce.MemberPatch{Version: m.Version, Role: &staff})
		wantField(t, err, apperr.Invalid, "department_code")
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "team_member.update"})
		if len(entries) != len(steps) || fmt.Sprint(entries[0].Detail["changed"]) != "[name]" || fmt.Sprint(entries[1].Detail["changed"]) != "[phone note]" {
			t.Fatalf("update audit = %+v", entries)
		}
	})
}
