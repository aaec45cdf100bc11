package registry_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// validID builds a valid 18-character ID number for a birth date and sequence.
func validID(region6, birth string, seq int) string {
	first := fmt.Sprintf("%s%s%03d", region6, birth, seq)
	return first + string(idcard.CheckDigit(first))
}

type fakeLocator struct{}

// GridAt puts everything west of 125.1°E in grid 001 and the rest in 002.
func (fakeLocator) GridAt(p orb.Point) (string, string, bool) {
	switch {
	case p[0] < 125 || p[0] > 125.2:
		return "", "", false
	case p[0] < 125.1:
		return "990101001001001", "/990100/990101/990101001/990101001001/990101001001001/", true
	default:
		return "990101001001002", "/990100/990101/990101001/990101001001/990101001001002/", true
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	d     *db.DB
	svc   *registry.Service
	clock *clock
	admin auth.Principal
}

func principal(id int64, name string, role auth.Role, scopePath string) auth.Principal {
	u := auth.User{ID: id, Username: name, Role: role}
	p := auth.Principal{User: u}
	if scopePath != "" {
		p.User = auth.TestUserScopedTo(u, scopePath)
	}
	return p
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	c := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	store := region.NewStore(d, c.Now)
	for _, r := range []region.Region{
		{Code: "990100", Name: "示范市", Level: region.City},
		{Code: "990101", Name: "东区", Level: region.County, ParentCode: "990100"},
		{Code: "990101001", Name: "东风街道", Level: region.Township, ParentCode: "990101"},
		{Code: "990101002", Name: "红旗街道", Level: region.Township, ParentCode: "990101"},
		{Code: "990101001001", Name: "友谊社区", Level: region.Village, ParentCode: "990101001"},
		{Code: "990101002001", Name: "胜利社区", Level: region.Village, ParentCode: "990101002"},
		{Code: "990101001001001", Name: "友谊一网格", Level: region.Grid, ParentCode: "990101001001"},
		{Code: "990101001001002", Name: "友谊二网格", Level: region.Grid, ParentCode: "990101001001"},
		{Code: "990101002001001", Name: "胜利一网格", Level: region.Grid, ParentCode: "990101002001"},
	} {
		if _, err := store.Create(context.Background(), audit.System("test"), region.All(), r); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{d: d, svc: registry.NewService(d, keys, fakeLocator{}, c.Now), clock: c,
		admin: principal(1, "admin", auth.RoleAdmin, "")}
}

func (f *fixture) house(t *testing.T, code, grid string) {
	t.Helper()
	if _, _, err := f.svc.SaveHouse(context.Background(), f.admin, registry.House{Code: code, GridCode: grid, Address: "友谊路" + code + "号"}); err != nil {
		t.Fatal(err)
	}
}

func auditCount(t *testing.T, d *db.DB, action string) int {
	entries, err := audit.List(context.Background(), d.Read(), audit.Filter{Action: action, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestHouses(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		pt := orb.Point{125.15, 46.05}
		h, created, err := f.svc.SaveHouse(ctx, f.admin, registry.House{Code: "H-0001", Estate: "友谊小区", Building: "3", Unit: "2", Room: "501", Location: &pt, Usage: "rented"})
		if err != nil || !created || h.GridCode != "990101001001002" {
			t.Fatalf("save house = %+v %v %v", h, created, err)
		}
		if _, created, _ := f.svc.SaveHouse(ctx, f.admin, registry.House{Code: "H-0001", Estate: "友谊小区", Building: "3", Unit: "2", Room: "501", Location: &pt, Usage: "rented"}); created {
			t.Fatal("saving the same house twice created two")
		}
		if n := auditCount(t, d, "house.update"); n != 0 {
			t.Fatalf("an unchanged save was audited %d times", n)
		}
		h2, _, err := f.svc.SaveHouse(ctx, f.admin, registry.House{Code: "H-0001", Estate: "友谊小区", Building: "3", Unit: "2", Room: "501", Location: &pt, Usage: "vacant"})
		if err != nil || h2.Usage != "vacant" || h2.Version != 2 || auditCount(t, d, "house.update") != 1 {
			t.Fatalf("update = %+v, %v", h2, err)
		}
		far := orb.Point{130, 46}
		cases := []struct {
			name  string
			h     registry.House
			field string
		}{
			{"bad code", registry.House{Code: "x", GridCode: "990101001001001"}, "house_code"},
			{"unknown usage", registry.House{Code: "H-2", GridCode: "990101001001001", Usage: "castle"}, "usage"},
			{"no place", registry.House{Code: "H-3"}, "grid_code"},
			{"outside every grid", registry.House{Code: "H-4", Location: &far}, "lng"},
			{"not a grid", registry.House{Code: "H-5", GridCode: "990101001001"}, "grid_code"},
			{"script in address", registry.House{Code: "H-6", GridCode: "990101001001001", Address: "<script>"}, "address"},
		}
		for _, tc := range cases {
			_, _, err := f.svc.SaveHouse(ctx, f.admin, tc.h)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Fields[0].Field != tc.field {
				t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
			}
		}
		other := principal(7, "w", auth.RoleWorker, "/990100/990101/990101002/")
		if _, err := f.svc.GetHouse(ctx, other, "H-0001"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("house outside scope: %v", err)
		}
		if _, _, err := f.svc.SaveHouse(ctx, other, registry.House{Code: "H-0001", GridCode: "990101002001001"}); err == nil {
			t.Fatal("a worker of another township overwrote a house")
		}
		list, err := f.svc.ListHouses(ctx, f.admin, registry.HouseQuery{Usage: "vacant"})
		if err != nil || len(list) != 1 {
			t.Fatalf("list vacant = %v, %v", list, err)
		}
	})
}

func TestPersonsSealedSearchableAndMasked(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", "990101001001001")
		id := validID("230602", "19450310", 21) // born 1945: aged 81
		in := registry.PersonInput{Name: "张桂兰", IDNumber: id, Phone: "138 1234 5678", ResidenceType: "registered",
			Houses: []registry.HouseLink{{HouseCode: "H-1", Relation: "lives"}}, Tags: []registry.Tag{{Tag: "elderly_alone", Since: "2024-01-01"}}}
		v, created, err := f.svc.SavePerson(ctx, f.admin, in)
		if err != nil || !created {
			t.Fatalf("save person: %v", err)
		}
		if v.IDNumber != id[:6]+"********"+id[14:] || v.Phone != "138****5678" || v.Revealed {
			t.Fatalf("view not masked: %+v", v)
		}
		if v.GridCode != "990101001001001" || v.Age != 81 || v.Sex != idcard.Male || len(v.Tags) != 1 || !contains(v.Groups, "aged_80_plus") {
			t.Fatalf("view = %+v", v)
		}
		// The numbers are not in the database in clear.
		var raw []byte
		var mask, index string
		if err := d.Read().QueryRowContext(ctx, `SELECT id_number_enc, id_number_mask, id_number_index FROM persons`).Scan(&raw, &mask, &index); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), id) || strings.Contains(index, id[6:14]) {
			t.Fatal("ID number stored in clear")
		}
		// Re-saving the same facts changes nothing; a new phone is audited without its value.
		if _, created, err := f.svc.SavePerson(ctx, f.admin, in); err != nil || created || auditCount(t, d, "person.update") != 0 {
			t.Fatalf("re-save: created=%v err=%v", created, err)
		}
		in.Phone = "13900001111"
		if _, _, err := f.svc.SavePerson(ctx, f.admin, in); err != nil {
			t.Fatal(err)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "person.update"})
		if len(entries) != 1 || fmt.Sprint(entries[0].Detail["changed"]) != "[phone]" || strings.Contains(fmt.Sprint(entries[0].Detail), "13900001111") {
			t.Fatalf("update audit = %+v", entries)
		}
		// A second person for the searches.
		young := validID("230602", "20100521", 32)
		if _, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "张小明", IDNumber: young, GridCode: "990101001001002", ResidenceType: "floating"}); err != nil {
			t.Fatal(err)
		}
		age60 := 60
		cases := []struct {
			name string
			q    registry.SearchQuery
			want []string
		}{
			{"by id number", registry.SearchQuery{IDNumber: strings.ToLower(id)}, []string{"张桂兰"}},
			{"by phone", registry.SearchQuery{Phone: "+86 139-0000-1111"}, []string{"张桂兰"}},
			{"old phone no longer matches", registry.SearchQuery{Phone: "13812345678"}, nil},
			{"by name prefix", registry.SearchQuery{Name: "张"}, []string{"张桂兰", "张小明"}},
			{"by tag", registry.SearchQuery{Tag: "elderly_alone"}, []string{"张桂兰"}},
			{"by age", registry.SearchQuery{AgeMin: &age60}, []string{"张桂兰"}},
			{"by house", registry.SearchQuery{HouseCode: "H-1"}, []string{"张桂兰"}},
			{"by residence type", registry.SearchQuery{ResidenceType: "floating"}, []string{"张小明"}},
			{"by region", registry.SearchQuery{Region: "990101001"}, []string{"张桂兰", "张小明"}},
		}
		for _, tc := range cases {
			res, err := f.svc.Search(ctx, f.admin, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var got []string
			for _, p := range res.Items {
				got = append(got, p.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
			}
		}
		page, _ := f.svc.Search(ctx, f.admin, registry.SearchQuery{Name: "张", Limit: 1})
		next, _ := f.svc.Search(ctx, f.admin, registry.SearchQuery{Name: "张", Limit: 1, After: page.NextAfter})
		if len(page.Items) != 1 || page.NextAfter == 0 || len(next.Items) != 1 || next.Items[0].Name != "张小明" {
			t.Fatalf("paging: %+v then %+v", page, next)
		}
		if _, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{IDNumber: id[:17] + "0"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("search by a wrong check digit: %v", err)
		}
		// Another township's worker sees neither person and cannot claim them.
		other := principal(9, "w2", auth.RoleWorker, "/990100/990101/990101002/")
		if res, _ := f.svc.Search(ctx, other, registry.SearchQuery{IDNumber: id}); len(res.Items) != 0 {
			t.Fatal("a person outside scope was found")
		}
		if _, err := f.svc.GetPerson(ctx, other, v.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("get outside scope: %v", err)
		}
		if _, _, err := f.svc.SavePerson(ctx, other, registry.PersonInput{Name: "冒名", IDNumber: id, GridCode: "990101002001001"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("claiming a person from another area: %v", err)
		}
	})
}

func TestPersonValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		id := validID("230602", "19800101", 11)
		cases := []struct {
			name  string
			in    registry.PersonInput
			field string
		}{
			{"no name", registry.PersonInput{IDNumber: id, GridCode: "990101001001001"}, "name"},
			{"check digit", registry.PersonInput{Name: "李四", IDNumber: id[:17] + "0", GridCode: "990101001001001"}, "id_number"},
			{"bad phone", registry.PersonInput{Name: "李四", IDNumber: id, Phone: "12345", GridCode: "990101001001001"}, "phone"},
			{"residence type", registry.PersonInput{Name: "李四", IDNumber: id, ResidenceType: "tourist", GridCode: "990101001001001"}, "residence_type"},
			{"unknown tag", registry.PersonInput{Name: "李四", IDNumber: id, GridCode: "990101001001001", Tags: []registry.Tag{{Tag: "vip"}}}, "tags[0]"},
			{"tag date", registry.PersonInput{Name: "李四", IDNumber: id, GridCode: "990101001001001", Tags: []registry.Tag{{Tag: "disabled", Since: "2024/01/01"}}}, "tags[0].since"},
			{"unknown house", registry.PersonInput{Name: "李四", IDNumber: id, Houses: []registry.HouseLink{{HouseCode: "H-404", Relation: "lives"}}}, "houses[0].house_code"},
			{"house relation", registry.PersonInput{Name: "李四", IDNumber: id, GridCode: "990101001001001", Houses: []registry.HouseLink{{HouseCode: "H-1", Relation: "haunts"}}}, "houses[0].relation"},
			{"no grid", registry.PersonInput{Name: "李四", IDNumber: id}, "grid_code"},
		}
		for _, tc := range cases {
			_, _, err := f.svc.SavePerson(context.Background(), f.admin, tc.in)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Fields[0].Field != tc.field {
				t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
			}
		}
		var n int
		_ = d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM persons`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d persons stored from refused input", n)
		}
	})
}

func TestRevealIsPermittedPurposefulTimeBoxedAndAudited(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		id := validID("230602", "19700707", 55)
		v, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "王五", IDNumber: id, Phone: "13712345678", GridCode: "990101001001001"})
		if err != nil {
			t.Fatal(err)
		}
		worker := principal(5, "worker", auth.RoleWorker, "/990100/990101/990101001/")
		if _, err := f.svc.Reveal(ctx, worker, v.ID, "核实身份信息"); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("worker reveal: %v", err)
		}
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		if _, err := f.svc.Reveal(ctx, center, v.ID, ""); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("reveal without purpose: %v", err)
		}
		r, err := f.svc.Reveal(ctx, center, v.ID, "核实低保申请")
		if err != nil || r.IDNumber != id || r.Phone != "13712345678" || !r.Revealed || r.RevealExpiresAt == nil {
			t.Fatalf("reveal = %+v, %v", r, err)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "pii.reveal"})
		if len(entries) != 2 || entries[0].Actor != "center" || entries[0].Outcome != audit.OK || entries[0].Detail["purpose"] != "核实低保申请" ||
			entries[0].TargetID != fmt.Sprint(v.ID) || entries[1].Actor != "worker" || entries[1].Outcome != audit.Denied {
			t.Fatalf("reveal audit = %+v", entries)
		}
		f.clock.Add(5 * time.Minute)
		if g, _ := f.svc.GetPerson(ctx, center, v.ID); !g.Revealed || g.IDNumber != id {
			t.Fatalf("view during the reveal = %+v", g)
		}
		if auditCount(t, d, "pii.view") != 1 {
			t.Fatal("a view under a reveal was not audited")
		}
		if g, _ := f.svc.GetPerson(ctx, f.admin, v.ID); g.Revealed {
			t.Fatal("one user's reveal showed the numbers to another")
		}
		f.clock.Add(6 * time.Minute)
		if g, _ := f.svc.GetPerson(ctx, center, v.ID); g.Revealed || g.IDNumber == id {
			t.Fatalf("numbers still shown after the reveal expired: %+v", g)
		}
	})
}

// A refused reveal is audited as denied: for want of the permission, out
// of the caller's scope, of a person that does not exist. The entry names
// the person only when the caller may see them; otherwise it keeps the id
// asked for, the same whether the person exists elsewhere or not at all.
// A reveal without a purpose is not an attempt and writes nothing.
func TestRefusedRevealIsAuditedAsDenied(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		v, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "赵六", IDNumber: validID("230602", "19800808", 66),
			Phone: "13712345679", GridCode: "990101001001001"})
		if err != nil {
			t.Fatal(err)
		}
		worker := principal(5, "worker", auth.RoleWorker, "/990100/990101/990101001/")
		other := principal(6, "other", auth.RoleCenter, "/990100/990102/")
		if _, err := f.svc.Reveal(ctx, worker, v.ID, "核实身份信息"); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("worker reveal: %v", err)
		}
		if _, err := f.svc.Reveal(ctx, other, v.ID, "核实身份信息"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("reveal out of scope: %v", err)
		}
		if _, err := f.svc.Reveal(ctx, other, v.ID+1000, "核实身份信息"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("reveal of nobody: %v", err)
		}
		if _, err := f.svc.Reveal(ctx, f.admin, v.ID, "x"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("reveal without purpose: %v", err)
		}
		got, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "pii.reveal"})
		if len(got) != 3 {
			t.Fatalf("entries = %+v, want 3", got)
		}
		nobody, elsewhere, forbidden := got[0], got[1], got[2]
		if forbidden.Outcome != audit.Denied || forbidden.ActorID != 5 || forbidden.TargetType != "person" ||
			forbidden.TargetID != fmt.Sprint(v.ID) || forbidden.Detail["reason"] != "forbidden" || forbidden.Detail["requested_id"] != nil {
			t.Fatalf("forbidden = %+v", forbidden)
		}
		for i, en := range []audit.Entry{elsewhere, nobody} {
			want := []int64{v.ID, v.ID + 1000}[i]
			if en.Outcome != audit.Denied || en.ActorID != 6 || en.TargetID != "" || en.Detail["reason"] != "not_found" ||
				en.Detail["requested_id"] != float64(want) {
				t.Fatalf("not found %d = %+v", i, en)
			}
		}
		if _, err := audit.Verify(ctx, d.Read()); err != nil {
			t.Fatal(err)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestUpdatePersonKeepsSealedNumbers(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", "990101001001001")
		id := validID("230602", "19800808", 61)
		v, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "马六", IDNumber: id, Phone: "13512345678", GridCode: "990101001001002"})
		if err != nil {
			t.Fatal(err)
		}
		worker := principal(5, "worker", auth.RoleWorker, "/990100/990101/990101001/")
		name := "马六一"
		houses := []registry.HouseLink{{HouseCode: "H-1", Relation: "lives"}}
		up, err := f.svc.UpdatePerson(ctx, worker, v.ID, registry.PersonPatch{Version: v.Version, Name: &name, Houses: &houses})
		if err != nil {
			t.Fatal(err)
		}
		if up.Name != name || up.GridCode != "990101001001001" || up.Phone != "135****5678" || up.Version != v.Version+1 {
			t.Fatalf("updated = %+v", up)
		}
		if _, err := f.svc.UpdatePerson(ctx, worker, v.ID, registry.PersonPatch{Version: v.Version, Name: &name}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("stale version: %v", err)
		}
		res, _ := f.svc.Search(ctx, f.admin, registry.SearchQuery{Phone: "13512345678"})
		if len(res.Items) != 1 {
			t.Fatal("the phone was lost by an update that did not touch it")
		}
		other := principal(9, "w2", auth.RoleWorker, "/990100/990101/990101002/")
		if _, err := f.svc.UpdatePerson(ctx, other, v.ID, registry.PersonPatch{Version: up.Version, Name: &name}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("update outside scope: %v", err)
		}
	})
}

// An old 15-digit ID number and its 18-character form are one person: the
// registry upgrades the old form on the way in, finds either, and re-keys
// the persons stored under an old number before it did.
func TestOldIDNumbersAreUpgraded(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		const grid = "990101001001001"
		old1, old2 := "230602700515123", "230602650101452"
		new1, err := idcard.Upgrade(old1)
		if err != nil {
			t.Fatal(err)
		}
		new2, _ := idcard.Upgrade(old2)

		// Stored before the upgrade: one alone, one also under its new form.
		alone, err := f.svc.StoreLegacyPerson(ctx, "老号", old1, "13900001234", grid)
		if err != nil {
			t.Fatal(err)
		}
		twin, err := f.svc.StoreLegacyPerson(ctx, "双号", old2, "", grid)
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "双号", IDNumber: new2, GridCode: grid})
		if err != nil {
			t.Fatal(err)
		}
		up, err := f.svc.UpgradeLegacyIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if up.Upgraded != 1 || !slices.Equal(up.Twins, [][2]int64{{twin, other.ID}}) {
			t.Fatalf("upgrade = %+v, want 1 upgraded and twins %d/%d", up, twin, other.ID)
		}
		if again, err := f.svc.UpgradeLegacyIDs(ctx); err != nil || again.Upgraded != 0 || len(again.Twins) != 1 {
			t.Fatalf("second upgrade = %+v, %v", again, err)
		}
		shown, err := f.svc.Reveal(ctx, f.admin, alone, "核对身份信息")
		if err != nil {
			t.Fatal(err)
		}
		if shown.IDNumber != new1 || shown.IDKind != idcard.Resident18 || shown.Phone != "13900001234" {
			t.Fatalf("upgraded person = %+v", shown)
		}
		for _, n := range []string{old1, new1} {
			res, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{IDNumber: n})
			if err != nil || len(res.Items) != 1 || res.Items[0].ID != alone {
				t.Fatalf("search by %s: %+v, %v", n, res, err)
			}
		}
		// Saved again under the old form: the same person, updated.
		p, created, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "老号改", IDNumber: old1, GridCode: grid})
		if err != nil || created || p.ID != alone {
			t.Fatalf("save under the old number: %+v created=%v, %v", p, created, err)
		}
	})
}

// A person living in a worker's grid may own a house in the next grid. The
// worker edits the person without seeing that house: the link stays as it
// is, and the worker can neither add, change nor drop a link to a house
// outside their grid.
func TestUpdatePersonKeepsLinksOutsideScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", "990101001001001")
		f.house(t, "H-2", "990101001001002")
		f.house(t, "H-3", "990101001001002")
		f.house(t, "H-4", "990101001001001")
		number := validID("230602", "19800808", 71)
		stored := []registry.HouseLink{{HouseCode: "H-1", Relation: "lives"}, {HouseCode: "H-2", Relation: "owns"}}
		v, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "周七", IDNumber: number, Houses: stored})
		if err != nil {
			t.Fatal(err)
		}
		if v.GridCode != "990101001001001" || len(v.Houses) != 2 {
			t.Fatalf("saved = %+v", v)
		}
		worker := principal(5, "worker", auth.RoleWorker, "/990100/990101/990101001/990101001001/990101001001001/")
		links := func(l ...registry.HouseLink) *[]registry.HouseLink { return &l }
		phone := "13900002222"
		for _, tc := range []struct {
			name   string
			patch  registry.PersonPatch
			field  string // refused naming this field, or "" when saved
			houses []registry.HouseLink
		}{
			{"phone only", registry.PersonPatch{Phone: &phone}, "", stored},
			{"the links as read", registry.PersonPatch{Houses: links(stored...)}, "", stored},
			{"the hidden link left out", registry.PersonPatch{Houses: links(stored[0])}, "", stored},
			{"a house in the grid added", registry.PersonPatch{Houses: links(stored[0], registry.HouseLink{HouseCode: "H-4", Relation: "owns"})}, "",
				[]registry.HouseLink{stored[0], {HouseCode: "H-2", Relation: "owns"}, {HouseCode: "H-4", Relation: "owns"}}},
			{"the hidden link altered", registry.PersonPatch{Houses: links(stored[0], registry.HouseLink{HouseCode: "H-2", Relation: "lives"})},
				"houses[1].house_code", nil},
			{"a house outside added", registry.PersonPatch{Houses: links(stored[0], stored[1], registry.HouseLink{HouseCode: "H-3", Relation: "owns"})},
				"houses[2].house_code", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cur, err := f.svc.GetPerson(ctx, f.admin, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				tc.patch.Version = cur.Version
				up, err := f.svc.UpdatePerson(ctx, worker, v.ID, tc.patch)
				if tc.field != "" {
					wantField(t, err, apperr.Invalid, tc.field)
					after, _ := f.svc.GetPerson(ctx, f.admin, v.ID)
					if after.Version != cur.Version || !sameLinks(after.Houses, cur.Houses) {
						t.Fatalf("a refused update changed the person: %+v", after)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !sameLinks(up.Houses, tc.houses) || up.GridCode != "990101001001001" {
					t.Fatalf("houses = %+v in grid %s, want %+v", up.Houses, up.GridCode, tc.houses)
				}
			})
		}
		// Saving the person anew by ID number sets the links in the grid
		// and keeps the hidden one.
		again, _, err := f.svc.SavePerson(ctx, worker, registry.PersonInput{Name: "周七", IDNumber: number, Phone: phone,
			Houses: []registry.HouseLink{stored[0]}})
		if err != nil || !sameLinks(again.Houses, stored) {
			t.Fatalf("saved again = %+v, %v", again.Houses, err)
		}
		// What the worker reads of the house outside: its code and the
		// relation, nothing of the house itself.
		if _, err := f.svc.GetHouse(ctx, worker, "H-2"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("the worker reads the house outside their grid: %v", err)
		}
	})
}

func sameLinks(a, b []registry.HouseLink) bool {
	key := func(l registry.HouseLink) string { return l.HouseCode + "/" + l.Relation }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i] = key(a[i])
	}
	for i := range b {
		kb[i] = key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}
