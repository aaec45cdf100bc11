package registry_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/tabular"
)

func openText(t *testing.T, name, text string, enc tabular.Encoding) tabular.Reader {
	t.Helper()
	r, err := tabular.Open(bytes.NewReader([]byte(text)), int64(len(text)), name, tabular.Options{Encoding: enc})
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func (f *fixture) importCSV(t *testing.T, kind registry.Kind, text string, allOrNothing bool) registry.ImportReport {
	t.Helper()
	rep, err := f.svc.Import(context.Background(), f.admin, kind, openText(t, "file.csv", text, tabular.Auto), registry.ImportOptions{AllOrNothing: allOrNothing, BatchRows: 2})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func TestImportHousesAndPersons(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		houses := "房屋编码,地址,经度,纬度,用途,网格编码\n" +
			"H-1,友谊路1号,125.05,46.02,自住,\n" +
			"H-2,友谊路2号,,,出租,990101001001002\n" +
			"H-3,野外,130,46,空置,\n" +
			"H-4,无处,,,自住,\n"
		rep := f.importCSV(t, registry.Houses, houses, false)
		if rep.Rows != 4 || rep.Created != 2 || len(rep.Rejected) != 2 || rep.Rejected[0].Row != 4 || rep.Rejected[0].Column != "经度" {
			t.Fatalf("houses report = %+v", rep)
		}
		a, b, c := validID("230602", "19500101", 11), validID("230602", "19900606", 22), validID("230602", "20010203", 33)
		persons := "姓名,身份证号,联系电话,房屋编码,人口类型,标签\n" +
			"赵一," + a + ",13800000001,H-1,户籍,独居老人\n" +
			"钱二," + b + ",13800000002,H-2,流动,\n" +
			"孙三," + c[:17] + "0,13800000003,H-1,户籍,\n" +
			"李四," + b + ",13800000004,H-1,户籍,\n" +
			"周五," + c + ",123,H-1,户籍,\n" +
			"吴六," + c + ",,H-9,户籍,\n" +
			"郑七," + c + ",,H-1,户籍,会员\n"
		rep = f.importCSV(t, registry.Persons, persons, false)
		if rep.Rows != 7 || rep.Created != 2 || len(rep.Rejected) != 5 {
			t.Fatalf("persons report = %+v", rep)
		}
		want := []struct {
			row    int
			column string
			reason string
		}{
			{4, "身份证号", "check digit"},
			{5, "身份证号", "row 3"},
			{6, "联系电话", ""},
			{7, "房屋编码", "H-9"},
			{8, "标签", "会员"},
		}
		for i, w := range want {
			got := rep.Rejected[i]
			if got.Row != w.row || got.Column != w.column || !strings.Contains(got.Reason, w.reason) {
				t.Errorf("rejection %d = %+v, want row %d column %s reason ~%q", i, got, w.row, w.column, w.reason)
			}
		}
		if v := rep.Rejected[0].Value; strings.Contains(v, c[6:14]) || !strings.Contains(v, "*") {
			t.Fatalf("error report shows the ID number in clear: %q", v)
		}
		// Re-importing changes nothing; a changed phone updates one person.
		again := f.importCSV(t, registry.Persons, persons, false)
		if again.Created != 0 || again.Updated != 0 || again.Unchanged != 2 {
			t.Fatalf("re-import = %+v", again)
		}
		changed := strings.Replace(persons, "13800000002", "13900000002", 1)
		if rep := f.importCSV(t, registry.Persons, changed, false); rep.Updated != 1 || rep.Unchanged != 1 {
			t.Fatalf("changed import = %+v", rep)
		}
		if n := auditCount(t, d, "person.update"); n != 1 {
			t.Fatalf("%d person updates audited, want 1", n)
		}
		// All-or-nothing refuses the file and stores nothing.
		d2 := validID("230602", "19770707", 44)
		bad := "姓名,身份证号,房屋编码\n新人," + d2 + ",H-1\n坏人,123,H-1\n"
		rep = f.importCSV(t, registry.Persons, bad, true)
		if rep.Stored || rep.Created != 0 || len(rep.Rejected) != 1 {
			t.Fatalf("all-or-nothing = %+v", rep)
		}
		var n int
		_ = d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM persons`).Scan(&n)
		if n != 2 {
			t.Fatalf("%d persons after a refused all-or-nothing file, want 2", n)
		}
	})
}

func TestImportEncodingsFormatsAndHeaders(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.house(t, "H-1", "990101001001001")
		id := validID("230602", "19600101", 51)
		text := "姓名,身份证号,房屋编码\n陈七," + id + ",H-1\n"
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := f.svc.Import(context.Background(), f.admin, registry.Persons, openText(t, "gbk.csv", gbk, tabular.Auto), registry.ImportOptions{})
		if err != nil || rep.Created != 1 {
			t.Fatalf("GBK file: %+v, %v", rep, err)
		}
		if _, err := tabular.Open(bytes.NewReader([]byte(gbk)), int64(len(gbk)), "gbk.csv", tabular.Options{Encoding: tabular.UTF8}); err == nil || !strings.Contains(err.Error(), "GBK") {
			t.Fatalf("a GBK file declared as UTF-8: %v", err)
		}
		// An .xlsx written by our own writer imports the same way.
		var buf bytes.Buffer
		w, _ := tabular.NewWriter(&buf, tabular.XLSX)
		_ = w.Write([]string{"name", "id_number", "house_code"})
		_ = w.Write([]string{"陈七", id, "H-1"})
		_ = w.Close()
		rep, err = f.svc.Import(context.Background(), f.admin, registry.Persons, openText(t, "p.xlsx", buf.String(), tabular.Auto), registry.ImportOptions{})
		if err != nil || rep.Unchanged != 1 {
			t.Fatalf("xlsx: %+v, %v", rep, err)
		}
		// A malformed line is one rejected row; the rows around it go in.
		id2 := validID("230602", "19610101", 52)
		broken := "姓名,身份证号,房屋编码\n坏\"行,x,H-1\n陈八," + id2 + ",H-1\n"
		rep, err = f.svc.Import(context.Background(), f.admin, registry.Persons, openText(t, "b.csv", broken, tabular.Auto), registry.ImportOptions{})
		if err != nil || rep.Created != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Row != 2 {
			t.Fatalf("malformed line: %+v, %v", rep, err)
		}
		if _, err := f.svc.Import(context.Background(), f.admin, registry.Persons, openText(t, "x.csv", "姓名,电话\n张三,1\n", tabular.Auto), registry.ImportOptions{}); err == nil || !strings.Contains(err.Error(), "身份证号") {
			t.Fatalf("missing required column: %v", err)
		}
	})
}

func TestTemplatesImportCleanly(t *testing.T) {
	for _, kind := range []registry.Kind{registry.Houses, registry.Persons} {
		rows := registry.Template(kind)
		if len(rows) != 2 || len(rows[0]) != len(rows[1]) {
			t.Fatalf("%s template = %v", kind, rows)
		}
	}
}

// An import changes only what its rows say: a column the file lacks or a
// cell left empty keeps the stored value, a tag named again keeps its dates,
// a house lived at replaces the one stored and a house owned joins the
// links.
func TestImportKeepsWhatARowLeavesOut(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", "990101001001001")
		f.house(t, "H-2", "990101001001002")
		f.house(t, "H-3", "990101001001002")
		area := 80.5
		if _, _, err := f.svc.SaveHouse(ctx, f.admin, registry.House{Code: "H-L", Address: "友谊路9号", Location: &orb.Point{125.05, 46.0},
			Usage: "rented", Estate: "友谊小区", FloorAreaM2: &area}); err != nil {
			t.Fatal(err)
		}
		id := validID("230602", "19700515", 35)
		p, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "两房", IDNumber: id, Phone: "13900001111",
			ResidenceType: "floating", HouseholdNo: "HH1", Relation: "head",
			Houses: []registry.HouseLink{{HouseCode: "H-1", Relation: "lives"}, {HouseCode: "H-2", Relation: "owns"}},
			Tags:   []registry.Tag{{Tag: "disabled", Since: "2026-05-01"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{
			"name,id_number,house_code,residence_type\n两房," + id + ",H-1,\n",
			"姓名,身份证号,网格编码,标签\n两房," + id + ",990101001001001,残疾人\n",
		} {
			if rep := f.importCSV(t, registry.Persons, file, false); rep.Unchanged != 1 || len(rep.Rejected) != 0 {
				t.Fatalf("a row saying what is stored: %+v\n%s", rep, file)
			}
		}
		// Moved to H-3 (another grid), and owns H-1 as well.
		for _, file := range []string{
			"姓名,身份证号,房屋编码\n两房," + id + ",H-3\n",
			"姓名,身份证号,房屋编码,房屋关系\n两房," + id + ",H-1,产权\n",
		} {
			if rep := f.importCSV(t, registry.Persons, file, false); rep.Updated != 1 || len(rep.Rejected) != 0 {
				t.Fatalf("import = %+v\n%s", rep, file)
			}
		}
		got, err := f.svc.GetPerson(ctx, f.admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantHouses := []registry.HouseLink{{HouseCode: "H-1", Relation: "owns"}, {HouseCode: "H-2", Relation: "owns"}, {HouseCode: "H-3", Relation: "lives"}}
		if !slices.Equal(got.Houses, wantHouses) {
			t.Errorf("houses = %+v, want %+v", got.Houses, wantHouses)
		}
		if got.GridCode != "990101001001002" || got.Phone != "139****1111" || got.ResidenceType != "floating" ||
			got.HouseholdNo != "HH1" || got.Relation != "head" {
			t.Errorf("person = %+v", got)
		}
		if !slices.Equal(got.Tags, []registry.Tag{{Tag: "disabled", Since: "2026-05-01"}}) {
			t.Errorf("tags = %+v", got.Tags)
		}
		// A filled tags cell is the whole set; a filled phone replaces the stored one.
		file := "姓名,身份证号,网格编码,标签,联系电话\n两房," + id + ",990101001001002,低保户,13900002222\n"
		if rep := f.importCSV(t, registry.Persons, file, false); rep.Updated != 1 {
			t.Fatalf("import = %+v", rep)
		}
		got, _ = f.svc.GetPerson(ctx, f.admin, p.ID)
		if !slices.Equal(got.Tags, []registry.Tag{{Tag: "low_income"}}) || got.Phone != "139****2222" || len(got.Houses) != 3 {
			t.Errorf("after a filled tags cell: tags %+v, phone %s, houses %+v", got.Tags, got.Phone, got.Houses)
		}

		// Houses: a row of code, address and grid keeps the point, the usage,
		// the estate and the area.
		if rep := f.importCSV(t, registry.Houses, "房屋编码,地址,网格编码,用途\nH-L,友谊路10号,990101001001001,\n", false); rep.Updated != 1 {
			t.Fatalf("house import = %+v", rep)
		}
		h, err := f.svc.GetHouse(ctx, f.admin, "H-L")
		if err != nil {
			t.Fatal(err)
		}
		if h.Address != "友谊路10号" || h.Location == nil || *h.Location != (orb.Point{125.05, 46.0}) || h.Usage != "rented" ||
			h.Estate != "友谊小区" || h.FloorAreaM2 == nil || *h.FloorAreaM2 != area {
			t.Errorf("house = %+v", h.House)
		}
		// A new point moves the house, and its grid with it.
		if rep := f.importCSV(t, registry.Houses, "房屋编码,经度,纬度\nH-L,125.15,46.0\n", false); rep.Updated != 1 {
			t.Fatalf("house import = %+v", rep)
		}
		h, _ = f.svc.GetHouse(ctx, f.admin, "H-L")
		if h.GridCode != "990101001001002" || h.Address != "友谊路10号" || h.Usage != "rented" {
			t.Errorf("moved house = %+v", h.House)
		}
	})
}

// A refused coordinate is reported under the column that holds it, as the
// file names that column.
func TestImportHousesNamesTheCoordinateAtFault(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		cases := []struct {
			name, text     string
			column, reason string
		}{
			{"latitude, Chinese header", "房屋编码,经度,纬度\nQA-H11,46.2,124.7\n", "纬度", "latitude 124.7"},
			{"longitude, Chinese header", "房屋编码,经度,纬度\nQA-H12,181,46.2\n", "经度", "longitude 181"},
			{"latitude, English header", "house_code,lng,lat\nQA-H13,125.05,-91\n", "lat", "latitude -91"},
			{"latitude not a number", "房屋编码,经度,纬度\nQA-H14,125.05,北纬\n", "纬度", "number"},
			{"longitude only", "房屋编码,经度,纬度\nQA-H16,125.05,\n", "纬度", "longitude and latitude go together"},
			{"latitude only", "house_code,lng,lat\nQA-H17,,46.2\n", "lng", "longitude and latitude go together"},
			{"pair outside China", "房屋编码,经度,纬度,坐标系\nQA-H15,2.35,48.85,gcj02\n", "经度", "outside China"},
		}
		for _, tc := range cases {
			rep := f.importCSV(t, registry.Houses, tc.text, false)
			if len(rep.Rejected) != 1 || rep.Rejected[0].Column != tc.column || !strings.Contains(rep.Rejected[0].Reason, tc.reason) {
				t.Errorf("%s: rejected %+v, want column %s, reason ~%q", tc.name, rep.Rejected, tc.column, tc.reason)
			}
		}
	})
}

// A rejected ID number is shown masked, and its reason does not give back
// what the mask hides: together they must not rebuild the number.
func TestImportErrorReportKeepsIDNumbersMasked(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.house(t, "H-1", "990101001001001")
		bad := []struct{ cell, hidden string }{
			{"230602198502300011", "19850230"},   // 30 February
			{"110105199013010013", "19901301"},   // month 13
			{"110105198501010013", "19850101"},   // check digit
			{" 110105198502300014 ", "19850230"}, // spaces around it
			{"110105850230001", "85023"},         // 15 digits, 30 February
		}
		text := "姓名,身份证号,房屋编码\n"
		for i, b := range bad {
			text += fmt.Sprintf("人%d,%q,H-1\n", i, b.cell)
		}
		rep := f.importCSV(t, registry.Persons, text, false)
		if len(rep.Rejected) != len(bad) {
			t.Fatalf("rejected %+v, want %d rows", rep.Rejected, len(bad))
		}
		for i, r := range rep.Rejected {
			number := strings.TrimSpace(bad[i].cell)
			if r.Value != pii.MaskID(number) {
				t.Errorf("row %d: value %q, want %q", r.Row, r.Value, pii.MaskID(number))
			}
			shown := r.Value + " " + r.Reason
			if strings.Contains(shown, bad[i].hidden) || strings.Contains(shown, number) || strings.Contains(r.Reason, number[6:10]) {
				t.Errorf("row %d: value %q and reason %q give back hidden digits of %s", r.Row, r.Value, r.Reason, number)
			}
		}
	})
}

// A row refused for its house or grid does not hold its ID number or house
// code: a later row of the file with the same one goes in, and only a row
// repeating one that went in is refused as a repeat.
func TestImportRefusedRowsClaimNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		houses := "房屋编码,地址,经度,纬度,用途,网格编码\n" +
			"H-1,无处,,,自住,990101999999999\n" +
			"H-1,友谊路1号,125.05,46.02,自住,\n" +
			"H-1,友谊路1号,125.05,46.02,出租,\n"
		rep := f.importCSV(t, registry.Houses, houses, false)
		if rep.Created != 1 || len(rep.Rejected) != 2 || rep.Rejected[0].Row != 2 || !strings.Contains(rep.Rejected[0].Reason, "grid") ||
			rep.Rejected[1].Row != 4 || !strings.Contains(rep.Rejected[1].Reason, "row 3") {
			t.Fatalf("houses report = %+v", rep)
		}
		a := validID("230602", "19500101", 11)
		persons := "姓名,身份证号,联系电话,房屋编码,人口类型,标签\n" +
			"赵一," + a + ",,H-9,户籍,\n" +
			"赵一," + a + ",,H-1,户籍,\n" +
			"钱二," + a + ",,H-1,户籍,\n"
		rep = f.importCSV(t, registry.Persons, persons, false)
		if rep.Created != 1 || len(rep.Rejected) != 2 || rep.Rejected[0].Row != 2 || !strings.Contains(rep.Rejected[0].Reason, "H-9") ||
			rep.Rejected[1].Row != 4 || !strings.Contains(rep.Rejected[1].Reason, "row 3") {
			t.Fatalf("persons report = %+v", rep)
		}
	})
}
