package registry_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/tabular"
	"github.com/gridgov/gridgov/internal/zhreason"
)

// Left in a Chinese reason as they are: what the row itself holds, and
// the names a clerk types or reads as they are.
var (
	quoted    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	typedAsIs = regexp.MustCompile(`\b(?:wgs84|gcj02|cgcs2000|epsg:4326|GCJ-02|CSV|UTF-8|GBK|MiB|\.xlsx|NaN|Inf|X)\b`)
	// A coded column's code, after its Chinese names: 自住（self_occupied）.
	codeAfterName = regexp.MustCompile(`\p{Han}（[a-z_]+）`)
	asciiWord     = regexp.MustCompile(`[A-Za-z]`)
	han           = regexp.MustCompile(`\p{Han}`)
)

// wordedInChinese reports what is left in English in zh, the Chinese
// wording of a rejection whose cell held value: the wording must differ
// from the English reason, hold Chinese, and, once the cell value, every
// "quoted" value, the names typed as they are (wgs84, GCJ-02, CSV, X…) and
// the codes a coded column lists after their names are taken out, hold no
// ASCII letter.
func wordedInChinese(english, zh, value string) string {
	if zh == english || !han.MatchString(zh) {
		return zh
	}
	rest := zh
	if value != "" {
		rest = strings.ReplaceAll(rest, value, "")
	}
	rest = typedAsIs.ReplaceAllString(quoted.ReplaceAllString(rest, ""), "")
	rest = codeAfterName.ReplaceAllString(rest, "")
	if asciiWord.MatchString(rest) {
		return rest
	}
	return ""
}

// TestEveryImportRefusalIsWordedInChinese drives every way an import
// refuses a row, and checks that each reason it gives has a Chinese
// wording. A new or reworded reason fails here until the catalog has it.
func TestEveryImportRefusalIsWordedInChinese(t *testing.T) {
	zh := zhreason.New()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", "990101001001001")
		stored := validID("230602", "19600101", 1)
		if _, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "赵一", IDNumber: stored, GridCode: "990101001001001"}); err != nil {
			t.Fatal(err)
		}
		worker := principal(5, "worker", auth.RoleAdmin, "/990100/990101/990101002/")
		ok := validID("230602", "19800808", 2)
		long := strings.Repeat("长", 51)

		type refusal struct{ row, reason string } // a row and a part of the reason it gets
		houses := []refusal{
			{"x,,,,,,,990101001001001,", "must be 3-64"},
			{"H-10,,,,,," + long + ",990101001001001,", "at most 50"},
			{"H-11,<b>,,,,,,990101001001001,", "< or >"},
			{"H-12,,,,,别墅,,990101001001001,", "must be one of self_occupied"},
			{"H-13,,,,,,,990101001001001,abc", "number of square metres"},
			{"H-14,,,,,,,990101001001001,-5", "positive number"},
			{"H-15,,125.05,46.02,bd09,,,,", "Baidu"},
			{"H-16,,125.05,46.02,mars,,,,", "want wgs84"},
			{"H-17,,abc,46.02,,,,,", "must be a number"},
			{"H-18,,125.05,abc,,,,,", "must be a number"},
			{"H-19,,NaN,46.02,,,,,", "longitude is not a finite"},
			{"H-20,,125.05,Inf,,,,,", "latitude is not a finite"},
			{"H-21,,200,46.02,,,,,", "longitude 200 is outside"},
			{"H-22,,125.05,100,,,,,", "latitude 100 is outside"},
			{"H-23,,10,10,gcj02,,,,", "outside China"},
			{"H-24,,130,46,,,,,", "not inside any grid"},
			{"H-25,,,,,,,,", "give a grid code or a location"},
			{"H-26,,,,,,,990101999999999,", "grid 990101999999999 not found"},
			{"H-27,,,,,,,990101001001001,", ""},
			{"H-27,,,,,,,990101001001001,", "repeats row"},
		}
		persons := []refusal{
			{",%[1]s,,H-1,,,,,,", "is required"},
			{long + ",%[1]s,,H-1,,,,,,", "at most 50"},
			{"<b>,%[1]s,,H-1,,,,,,", "< or >"},
			{"甲,12345,,H-1,,,,,,", "must have 18 characters"},
			{"甲,23060219800808002Y,,H-1,,,,,,", "only digits and a final X"},
			{"甲,23060280080800A,,H-1,,,,,,", "15-digit ID may contain only digits"},
			{"甲," + validID("990101", "19800808", 3) + ",,H-1,,,,,,", "is not a region code"},
			{"甲,810000800808003,,H-1,,,,,,", "not used on old 15-digit IDs"},
			{"甲," + validID("811234", "19800808", 3) + ",,H-1,,,,,,", "Hong Kong"},
			{"甲,230602198502300011,,H-1,,,,,,", "not a real date"},
			{"甲," + ok[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", ok[17])+1)%11]) + ",,H-1,,,,,,", "check digit"},
			{"甲," + validID("230602", "20300101", 3) + ",,H-1,,,,,,", "in the future"},
			{"甲," + validID("230602", "18800101", 3) + ",,H-1,,,,,,", "years ago"},
			{"甲,%[1]s,abc,H-1,,,,,,", "may contain only digits, spaces"},
			{"甲,%[1]s,-,H-1,,,,,,", "has no digits"},
			{"甲,%[1]s,+1 2025550100,H-1,,,,,,", "mainland China"},
			{"甲,%[1]s,0085212345678,H-1,,,,,,", "mainland China"},
			{"甲,%[1]s,+86 0459-1234567,H-1,,,,,,", "only a mobile"},
			{"甲,%[1]s,4001234,H-1,,,,,,", "400 service number"},
			{"甲,%[1]s,5551234,H-1,,,,,,", "is not a mobile number"},
			{"甲,%[1]s,138123,H-1,,,,,,", "11 digits"},
			{"甲,%[1]s,12812345678,H-1,,,,,,", "13 to 19"},
			{"甲,%[1]s,0,H-1,,,,,,", "3- or 4-digit area code"},
			{"甲,%[1]s,045912,H-1,,,,,,", "7 or 8 digits after the area code 0459, got 2"},
			{"甲,%[1]s,011-1234567,H-1,,,,,,", "does not exist"},
			{"甲,%[1]s,0459-123456789,H-1,,,,,,", "7 or 8 digits after the area code"},
			{"甲,%[1]s,0459-0123456,H-1,,,,,,", "cannot start with 0"},
			{"甲,%[1]s,,H-1,,外星,,,,", "must be one of registered"},
			{"甲,%[1]s,,H-1,,,,,,邻居", "must be one of head"},
			{"甲,%[1]s,,H-1,借住,,,,,", "must be one of lives"},
			{"甲,%[1]s,,H-1,,,会员,,,", "unknown tag"},
			{"甲,%[1]s,,H-1,,,独居老人、独居老人,,,", "given twice"},
			{"甲,%[1]s,,H-1,,,,," + strings.Repeat("1", 41) + ",", "at most 40"},
			{"甲,%[1]s,,H-404,,,,,,", "house H-404 not found"},
			{"甲,%[1]s,,,,,,,,", "give a grid code or a house"},
			{"甲,%[1]s,,,,,,990101999999999,,", "grid 990101999999999 not found"},
			{"甲," + ok + ",,H-1,,,,,,", ""},
			{"乙," + ok + ",,H-1,,,,,,", "already in row"},
		}
		type byWorker struct {
			kind   registry.Kind
			text   string
			reason string
		}
		var reasons []registry.RowError
		check := func(name string, rep registry.ImportReport, want []string) {
			t.Helper()
			for _, w := range want {
				if w == "" {
					continue
				}
				found := false
				for _, r := range rep.Rejected {
					found = found || strings.Contains(r.Reason, w)
				}
				if !found {
					t.Errorf("%s: no rejection says %q: %+v", name, w, rep.Rejected)
				}
			}
			reasons = append(reasons, rep.Rejected...)
		}
		text := func(header string, rows []refusal) (string, []string) {
			var b strings.Builder
			b.WriteString(header + "\n")
			var want []string
			for i, r := range rows {
				id := validID("230602", "19700101", 100+i)
				b.WriteString(strings.ReplaceAll(r.row, "%[1]s", id) + "\n")
				want = append(want, r.reason)
			}
			return b.String(), want
		}
		h, want := text("房屋编码,地址,经度,纬度,坐标系,用途,小区,网格编码,面积", houses)
		rep := f.importCSV(t, registry.Houses, h, false)
		if len(rep.Rejected) != len(houses)-1 {
			t.Errorf("%d houses rejected, want %d: %+v", len(rep.Rejected), len(houses)-1, rep.Rejected)
		}
		check("houses", rep, want)
		p, want := text("姓名,身份证号,联系电话,房屋编码,房屋关系,人口类型,标签,网格编码,户号,与户主关系", persons)
		rep = f.importCSV(t, registry.Persons, p, false)
		if len(rep.Rejected) != len(persons)-1 {
			t.Errorf("%d persons rejected, want %d: %+v", len(rep.Rejected), len(persons)-1, rep.Rejected)
		}
		check("persons", rep, want)

		// Rows the importer's area does not reach.
		for _, w := range []byWorker{
			{registry.Houses, "房屋编码,网格编码\nH-1,990101002001001\n", "house H-1 exists outside your area"},
			{registry.Persons, "姓名,身份证号,网格编码\n赵一," + stored + ",990101002001001\n", "registered outside your area"},
			{registry.Persons, "姓名,身份证号,网格编码\n赵一," + ok + ",990101001001001\n", "grid 990101001001001 not found"},
		} {
			rep, err := f.svc.Import(ctx, worker, w.kind, openText(t, "file.csv", w.text, tabular.Auto), registry.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			check(w.reason, rep, []string{w.reason})
		}

		// Rows the file reader cannot read.
		for _, file := range []struct {
			text   string
			enc    tabular.Encoding
			reason string
		}{
			{"房屋编码,地址\nH-30,友谊\"路\nH-31,友谊路\n", tabular.Auto, "does not start with one"},
			{"房屋编码,地址\nH-32,友谊路\nH-33,\"友谊路\n", tabular.Auto, "not closed properly"},
		} {
			rep, err := f.svc.Import(ctx, f.admin, registry.Houses, openText(t, "file.csv", file.text, file.enc), registry.ImportOptions{})
			if err != nil {
				t.Fatalf("%s: %v", file.reason, err)
			}
			check(file.reason, rep, []string{file.reason})
		}

		for _, r := range reasons {
			if left := wordedInChinese(r.Reason, zh.Chinese(r.Reason), r.Value); left != "" {
				t.Errorf("row %d, column %s (%q): %q is worded %q", r.Row, r.Column, r.Value, r.Reason, left)
			}
		}
	})
}

// TestRefusalsNoRowReachesAreWordedInChinese covers the refusals of the
// checks a row goes through that the registry's own checks make
// unreachable from a file (an empty phone is no phone; a coordinate system
// is parsed before a point is checked).
func TestRefusalsNoRowReachesAreWordedInChinese(t *testing.T) {
	zh := zhreason.New()
	_, phone := pii.NormalizePhone("  ")
	_, upgrade := idcard.Upgrade("1234")
	crs := geo.ValidatePoint(1, 1, geo.CRS("mars"))
	_, future := idcard.Parse(validID("230602", "20260602", 1), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	for _, err := range []error{phone, upgrade, crs, future} {
		if err == nil {
			t.Fatal("a check refused nothing")
		}
		if left := wordedInChinese(err.Error(), zh.Chinese(err.Error()), ""); left != "" {
			t.Errorf("%q is worded %q", err.Error(), left)
		}
	}
}
