package idcard_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/pii"
)

// beijing stands in for Asia/Shanghai without needing the tz database.
var beijing = time.FixedZone("CST", 8*3600)

// today is the clock every test parses against.
var today = time.Date(2026, 5, 1, 10, 0, 0, 0, beijing)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseValid(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want idcard.Info
	}{
		{"published example", "11010519491231002X",
			idcard.Info{Number: "11010519491231002X", Kind: idcard.Resident18, Region: "110105", BirthDate: date(1949, 12, 31), Sex: idcard.Female}},
		{"lower-case x", "11010519491231002x",
			idcard.Info{Number: "11010519491231002X", Kind: idcard.Resident18, Region: "110105", BirthDate: date(1949, 12, 31), Sex: idcard.Female}},
		{"full-width digits and x", "１１０１０５１９４９１２３１００２ｘ",
			idcard.Info{Number: "11010519491231002X", Kind: idcard.Resident18, Region: "110105", BirthDate: date(1949, 12, 31), Sex: idcard.Female}},
		{"full-width X, surrounding spaces", " \t１１０１０５１９４９１２３１００２Ｘ\u3000\n",
			idcard.Info{Number: "11010519491231002X", Kind: idcard.Resident18, Region: "110105", BirthDate: date(1949, 12, 31), Sex: idcard.Female}},
		{"odd sequence is male", "230602199001011238",
			idcard.Info{Number: "230602199001011238", Kind: idcard.Resident18, Region: "230602", BirthDate: date(1990, 1, 1), Sex: idcard.Male}},
		{"29 February of a leap year", "230602200002290027",
			idcard.Info{Number: "230602200002290027", Kind: idcard.Resident18, Region: "230602", BirthDate: date(2000, 2, 29), Sex: idcard.Female}},
		{"Taiwan province code on a citizen ID", "710000199001011237",
			idcard.Info{Number: "710000199001011237", Kind: idcard.Resident18, Region: "710000", BirthDate: date(1990, 1, 1), Sex: idcard.Male}},
		// 230699 is in no edition of GB/T 2260; below province level codes
		// are never refused, because IDs keep the code they were issued with.
		{"unknown code below a real province", "230699199001011237",
			idcard.Info{Number: "230699199001011237", Kind: idcard.Resident18, Region: "230699", BirthDate: date(1990, 1, 1), Sex: idcard.Male}},
		{"Hong Kong permit", "810000199001011230",
			idcard.Info{Number: "810000199001011230", Kind: idcard.HKMacauTaiwan, Region: "810000", BirthDate: date(1990, 1, 1), Sex: idcard.Male}},
		{"Macau permit", "82000020010615004X",
			idcard.Info{Number: "82000020010615004X", Kind: idcard.HKMacauTaiwan, Region: "820000", BirthDate: date(2001, 6, 15), Sex: idcard.Female}},
		{"Taiwan permit", "830000198511030174",
			idcard.Info{Number: "830000198511030174", Kind: idcard.HKMacauTaiwan, Region: "830000", BirthDate: date(1985, 11, 3), Sex: idcard.Male}},
		{"legacy 15-digit", "230602900101123",
			idcard.Info{Number: "230602900101123", Kind: idcard.Legacy15, Region: "230602", BirthDate: date(1990, 1, 1), Sex: idcard.Male}},
		{"legacy full-width", "２３０６０２９００１０１１２４",
			idcard.Info{Number: "230602900101124", Kind: idcard.Legacy15, Region: "230602", BirthDate: date(1990, 1, 1), Sex: idcard.Female}},
		// today is 1 May 10:00 in Beijing, which is still 1 May in UTC; the
		// clock-edge cases are in TestParseUsesTodaysLocalDate.
		{"born today", "23060220260501002X",
			idcard.Info{Number: "23060220260501002X", Kind: idcard.Resident18, Region: "230602", BirthDate: date(2026, 5, 1), Sex: idcard.Female}},
		{"exactly 130 years ago", "230602189605010018",
			idcard.Info{Number: "230602189605010018", Kind: idcard.Resident18, Region: "230602", BirthDate: date(1896, 5, 1), Sex: idcard.Male}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := idcard.Parse(tc.in, today)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("Parse(%q) (-want +got):\n%s", tc.in, diff)
			}
			if got.BirthDate.Location() != time.UTC {
				t.Fatalf("birth date in %v, want UTC", got.BirthDate.Location())
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	cases := []struct {
		name, in, reason string
	}{
		{"empty", "", "must have 18 characters (or 15 for an old ID), got 0"},
		{"only spaces", "   ", "must have 18 characters (or 15 for an old ID), got 0"},
		{"17 digits", "11010519491231002", "must have 18 characters (or 15 for an old ID), got 17"},
		{"16 digits", "1101051949123100", "must have 18 characters (or 15 for an old ID), got 16"},
		{"19 characters", "11010519491231002X1", "must have 18 characters (or 15 for an old ID), got 19"},
		{"space inside", "110105 19491231002X", "must have 18 characters (or 15 for an old ID), got 19"},
		{"counts characters, not bytes", "一二三四五六七八九十一二三四五六七", "must have 18 characters (or 15 for an old ID), got 17"},
		{"letter inside", "1101051949123100AX", "may contain only digits and a final X"},
		{"X not last", "1101051949123100X2", "may contain only digits and a final X"},
		{"final letter other than X", "11010519491231002Y", "may contain only digits and a final X"},
		{"Han characters", "一二三四五六七八九十一二三四五六七八", "may contain only digits and a final X"},
		{"dash inside", "110105-1949123100X", "may contain only digits and a final X"},
		{"legacy with X", "23060290010112X", "an old 15-digit ID may contain only digits"},
		{"address 000000", "00000019900101123X", "address code 000000 is not a region code"},
		{"province 16 does not exist", "160101199001011236", "address code 160101 is not a region code"},
		{"province 99 does not exist", "990000199001011239", "address code 990000 is not a region code"},
		{"legacy address", "000000900101123", "address code 000000 is not a region code"},
		{"permit code below province", "810101199001011232",
			"address code 810101 is not a region code (Hong Kong, Macau and Taiwan residence permits use 810000, 820000 or 830000)"},
		{"permit code on a legacy ID", "810000900101123",
			"address code 810000 is not used on old 15-digit IDs (residence permits have 18 characters)"},
		{"30 February", "230602199002300023", "the birth date it contains is not a real date"},
		{"29 February 1900 (not a leap year)", "230602190002290012", "the birth date it contains is not a real date"},
		{"month 13", "230602199013010013", "the birth date it contains is not a real date"},
		{"month 00", "230602199000010014", "the birth date it contains is not a real date"},
		{"day 00", "230602199001000010", "the birth date it contains is not a real date"},
		{"legacy 30 February", "230602900230123", "the birth date it contains is not a real date"},
		{"check digit", "710000199001011233", "check digit 3 does not match the other digits; one of them is probably mistyped"},
		{"check digit X", "110105194912310023", "check digit 3 does not match the other digits; one of them is probably mistyped"},
		{"check digit instead of X", "23060220000229002X", "check digit X does not match the other digits; one of them is probably mistyped"},
		{"tomorrow", "230602202605020017", "birth date is in the future"},
		{"next century", "230602210001010010", "birth date is in the future"},
		{"130 years and a day ago", "230602189604300013", "birth date is more than 130 years ago"},
		{"year 0000", "230602000001010015", "birth date is more than 130 years ago"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := idcard.Parse(tc.in, today)
			if err == nil {
				t.Fatalf("Parse(%q) accepted: %+v", tc.in, info)
			}
			var e *idcard.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T, want *idcard.Error", tc.in, err)
			}
			if e.Reason != tc.reason {
				t.Fatalf("Parse(%q) reason\n got %q\nwant %q", tc.in, e.Reason, tc.reason)
			}
			if info != (idcard.Info{}) {
				t.Fatalf("Parse(%q) refused but returned %+v", tc.in, info)
			}
			// The whole number must never travel in an error: errors get logged.
			if n := strings.TrimSpace(tc.in); len(n) >= 15 && strings.Contains(err.Error(), n) {
				t.Fatalf("error %q repeats the number", err)
			}
		})
	}
}

func TestParseUsesTodaysLocalDate(t *testing.T) {
	// 00:30 on 1 May in Beijing is still 30 April in UTC: a child born on
	// 1 May is registered today, not in the future.
	earlyMorning := time.Date(2026, 5, 1, 0, 30, 0, 0, beijing)
	if _, err := idcard.Parse("23060220260501002X", earlyMorning); err != nil {
		t.Fatalf("born today (local date): %v", err)
	}
	// The same instant seen in UTC is 30 April, so 1 May is in the future.
	_, err := idcard.Parse("23060220260501002X", earlyMorning.UTC())
	if err == nil || !strings.Contains(err.Error(), "future") {
		t.Fatalf("born tomorrow (UTC date): got %v, want a future-date refusal", err)
	}
}

func TestCheckDigit(t *testing.T) {
	cases := []struct {
		first17 string
		want    byte
	}{
		{"11010519491231002", 'X'},
		{"23060219900101123", '8'},
		{"71000019900101123", '7'},
		{"23060219900101127", '0'},
		{"00000000000000000", '1'},
		{"", 0},
		{"1101051949123100", 0},   // 16 digits
		{"110105194912310023", 0}, // 18 digits
		{"1101051949123100X", 0},  // not a digit
		{"１１０１０５１９４９１２３１００２", 0}, // full-width: CheckDigit takes only normalised input
	}
	for _, tc := range cases {
		if got := idcard.CheckDigit(tc.first17); got != tc.want {
			t.Errorf("CheckDigit(%q) = %q, want %q", tc.first17, got, tc.want)
		}
	}
}

func TestUpgrade(t *testing.T) {
	cases := []struct {
		in, want, reason string
	}{
		{"230602900101123", "230602199001011238", ""},
		{" ２３０６０２９００１０１１２４ ", "230602199001011246", ""},
		{"110105491231002", "11010519491231002X", ""},
		{"11010519491231002X", "", "an old ID must have 15 digits, got 18"},
		{"23060290010112", "", "an old ID must have 15 digits, got 14"},
		{"23060290010112X", "", "an old 15-digit ID may contain only digits"},
		{"000000900101123", "", "address code 000000 is not a region code"},
		{"820000900101123", "", "address code 820000 is not used on old 15-digit IDs (residence permits have 18 characters)"},
		{"230602900230123", "", "the birth date it contains is not a real date"},
	}
	for _, tc := range cases {
		got, err := idcard.Upgrade(tc.in)
		if tc.reason == "" {
			if err != nil || got != tc.want {
				t.Errorf("Upgrade(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		var e *idcard.Error
		if !errors.As(err, &e) || e.Reason != tc.reason {
			t.Errorf("Upgrade(%q) = %q, %v; want reason %q", tc.in, got, err, tc.reason)
		}
	}
}

func TestAge(t *testing.T) {
	leap := idcard.Info{BirthDate: date(2000, 2, 29)}
	plain := idcard.Info{BirthDate: date(1990, 6, 15)}
	cases := []struct {
		info idcard.Info
		on   time.Time
		want int
	}{
		{plain, date(2026, 6, 14), 35},
		{plain, date(2026, 6, 15), 36},
		{plain, date(2026, 12, 31), 36},
		{plain, date(1990, 6, 15), 0},
		{plain, date(1990, 6, 14), 0}, // before birth
		{plain, date(1980, 1, 1), 0},  // long before birth
		{leap, date(2001, 2, 28), 0},
		{leap, date(2001, 3, 1), 1},
		{leap, date(2004, 2, 29), 4},
		// 23:30 on 14 June in UTC is already the 15th in Beijing: the
		// birthday is counted on the caller's calendar.
		{plain, time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC).In(beijing), 36},
		{plain, time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC), 35},
	}
	for _, tc := range cases {
		if got := tc.info.Age(tc.on); got != tc.want {
			t.Errorf("born %s, Age(%s) = %d, want %d", tc.info.BirthDate.Format(time.DateOnly), tc.on, got, tc.want)
		}
	}
}

// provinceCodes are the valid first two digits of a citizen ID (the
// residence-permit codes 81–83 are drawn separately).
var provinceCodes = []string{
	"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
	"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
}

// genBirth draws a birth date no later than today and no more than 130 years
// before it.
func genBirth(t *rapid.T) time.Time {
	latest := date(2026, 5, 1)
	days := int(latest.Sub(latest.AddDate(-130, 0, 0)).Hours() / 24)
	return latest.AddDate(0, 0, -rapid.IntRange(0, days).Draw(t, "days before today"))
}

// genValid draws a valid 18-character number, its birth date and sex.
func genValid(t *rapid.T) (number string, kind idcard.Kind, birth time.Time, sex idcard.Sex) {
	var region string
	kind = idcard.Resident18
	if rapid.IntRange(0, 9).Draw(t, "permit?") == 0 {
		kind = idcard.HKMacauTaiwan
		region = rapid.SampledFrom([]string{"810000", "820000", "830000"}).Draw(t, "permit code")
	} else {
		region = rapid.SampledFrom(provinceCodes).Draw(t, "province") + rapid.StringMatching(`[0-9]{4}`).Draw(t, "below province")
	}
	birth = genBirth(t)
	seq := rapid.StringMatching(`[0-9]{3}`).Draw(t, "sequence")
	sex = idcard.Female
	if (seq[2]-'0')%2 == 1 {
		sex = idcard.Male
	}
	first17 := region + birth.Format("20060102") + seq
	return first17 + string(idcard.CheckDigit(first17)), kind, birth, sex
}

func TestPropertyValidNumbersParse(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n, kind, birth, sex := genValid(t)
		info, err := idcard.Parse(n, today)
		if err != nil {
			t.Fatalf("Parse(%q): %v", n, err)
		}
		want := idcard.Info{Number: n, Kind: kind, Region: n[:6], BirthDate: birth, Sex: sex}
		if diff := cmp.Diff(want, info); diff != "" {
			t.Fatalf("Parse(%q) (-want +got):\n%s", n, diff)
		}
	})
}

func TestPropertyChecksumDefinition(t *testing.T) {
	// ISO 7064 MOD 11-2 defines a valid number as one whose characters
	// (X = 10), weighted by 2^(17-i) from the left, sum to 1 mod 11. This
	// checks CheckDigit against the definition rather than against its own
	// weight table.
	rapid.Check(t, func(t *rapid.T) {
		first17 := rapid.StringMatching(`[0-9]{17}`).Draw(t, "first17")
		n := first17 + string(idcard.CheckDigit(first17))
		sum, w := 0, 1
		for i := 17; i >= 0; i-- {
			v := 10
			if n[i] != 'X' {
				v = int(n[i] - '0')
			}
			sum += v * w
			w = w * 2 % 11
		}
		if sum%11 != 1 {
			t.Fatalf("%q: weighted sum %d ≡ %d (mod 11), want 1", n, sum, sum%11)
		}
	})
}

func TestPropertySingleSubstitutionDetected(t *testing.T) {
	// MOD 11-2 catches every single-character substitution: each weight is
	// a power of 2 modulo the prime 11, so never 0, and a non-zero change
	// times a non-zero weight cannot vanish mod 11. Every one of the 17×9 +
	// 10 substitutions of a valid number must fail the check digit itself,
	// not merely fail Parse for some other reason.
	rapid.Check(t, func(t *rapid.T) {
		n, _, _, _ := genValid(t)
		for i := range 18 {
			alphabet := "0123456789"
			if i == 17 {
				alphabet += "X"
			}
			for _, c := range []byte(alphabet) {
				if c == n[i] {
					continue
				}
				m := n[:i] + string(c) + n[i+1:]
				if idcard.CheckDigit(m[:17]) == m[17] {
					t.Fatalf("%q → %q (position %d) passes the check digit", n, m, i+1)
				}
				if _, err := idcard.Parse(m, today); err == nil {
					t.Fatalf("%q → %q (position %d) accepted", n, m, i+1)
				}
			}
		}
	})
}

func TestPropertyAdjacentTranspositionDetected(t *testing.T) {
	// Neighbouring weights differ by a factor of 2, so swapping two different
	// neighbouring digits changes the sum by (a-b)·w·(2-1) ≢ 0 (mod 11).
	rapid.Check(t, func(t *rapid.T) {
		n, _, _, _ := genValid(t)
		for i := range 16 {
			if n[i] == n[i+1] {
				continue
			}
			m := n[:i] + string(n[i+1]) + string(n[i]) + n[i+2:]
			if idcard.CheckDigit(m[:17]) == m[17] {
				t.Fatalf("%q → %q (swap at %d) passes the check digit", n, m, i+1)
			}
		}
	})
}

func TestPropertyUpgrade(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		region := rapid.SampledFrom(provinceCodes).Draw(t, "province") + rapid.StringMatching(`[0-9]{4}`).Draw(t, "below province")
		// Every date from 1900-01-01 to 1999-12-31, the years a 15-digit ID can hold.
		birth := date(1900, 1, 1).AddDate(0, 0, rapid.IntRange(0, 36523).Draw(t, "days after 1900-01-01"))
		seq := rapid.StringMatching(`[0-9]{3}`).Draw(t, "sequence")
		old := region + birth.Format("060102") + seq

		oldInfo, err := idcard.Parse(old, today)
		if err != nil {
			t.Fatalf("Parse(%q): %v", old, err)
		}
		n, err := idcard.Upgrade(old)
		if err != nil {
			t.Fatalf("Upgrade(%q): %v", old, err)
		}
		if want := old[:6] + "19" + old[6:]; n[:17] != want {
			t.Fatalf("Upgrade(%q) = %q, want %s + check digit", old, n, want)
		}
		info, err := idcard.Parse(n, today)
		if err != nil {
			t.Fatalf("Parse(Upgrade(%q) = %q): %v", old, n, err)
		}
		if info.Kind != idcard.Resident18 || !info.BirthDate.Equal(birth) || info.Sex != oldInfo.Sex || info.Region != oldInfo.Region {
			t.Fatalf("Upgrade(%q) = %q parses as %+v; legacy parses as %+v", old, n, info, oldInfo)
		}
	})
}

func TestPropertyAge(t *testing.T) {
	// Age(on) is the largest k whose k-th anniversary (time.AddDate, which
	// rolls 29 February to 1 March) falls on or before on's date.
	rapid.Check(t, func(t *rapid.T) {
		info := idcard.Info{BirthDate: genBirth(t)}
		on := info.BirthDate.AddDate(0, 0, rapid.IntRange(-400, 60000).Draw(t, "days after birth"))
		k := 0
		for !info.BirthDate.AddDate(k+1, 0, 0).After(on) {
			k++
		}
		if got := info.Age(on); got != k {
			t.Fatalf("born %s, Age(%s) = %d, want %d", info.BirthDate.Format(time.DateOnly), on.Format(time.DateOnly), got, k)
		}
	})
}

func TestLatestBirth(t *testing.T) {
	cases := []struct {
		years int
		on    time.Time
		want  time.Time
	}{
		{18, date(2026, 11, 29), date(2008, 11, 29)},
		{18, date(2026, 2, 28), date(2008, 2, 28)},
		{18, date(2026, 3, 1), date(2008, 3, 1)},
		// 29 February in a common year: 28 February, not 1 March, for
		// someone born on 1 March 2010 is still 17 on 29 February 2028.
		{18, date(2028, 2, 29), date(2010, 2, 28)},
		{20, date(2028, 2, 29), date(2008, 2, 29)},
		{0, date(2026, 6, 1), date(2026, 6, 1)},
		// The calendar date of on in its own location, as for AgeOn.
		{18, time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC).In(beijing), date(2008, 11, 29)},
	}
	for _, tc := range cases {
		if got := idcard.LatestBirth(tc.years, tc.on); !got.Equal(tc.want) {
			t.Errorf("LatestBirth(%d, %s) = %s, want %s", tc.years, tc.on, got.Format(time.DateOnly), tc.want.Format(time.DateOnly))
		}
	}
}

func TestPropertyLatestBirthAgreesWithAge(t *testing.T) {
	// A search by age bounds birth dates with LatestBirth and shows ages
	// with AgeOn: someone is at least k years old exactly when born on or
	// before LatestBirth(k, on), leap days included.
	rapid.Check(t, func(t *rapid.T) {
		birth := genBirth(t)
		on := birth.AddDate(0, 0, rapid.IntRange(0, 60000).Draw(t, "days after birth"))
		if rapid.Bool().Draw(t, "a 29 February?") {
			y := birth.Year() + rapid.IntRange(1, 160).Draw(t, "years later")
			for date(y, 2, 29).Month() != time.February {
				y++
			}
			on = date(y, 2, 29)
		}
		k := rapid.IntRange(0, 150).Draw(t, "years")
		atLeast := idcard.AgeOn(birth, on) >= k
		bornBy := !birth.After(idcard.LatestBirth(k, on))
		if atLeast != bornBy {
			t.Fatalf("born %s, on %s: AgeOn = %d, LatestBirth(%d) = %s", birth.Format(time.DateOnly), on.Format(time.DateOnly),
				idcard.AgeOn(birth, on), k, idcard.LatestBirth(k, on).Format(time.DateOnly))
		}
	})
}

// leak returns a run of digits in reason that may come from what a masked
// display of number hides, or "" if there is none. A reason may repeat only
// what pii.MaskID shows (the address code, the last characters), the numbers
// its wording states (18, 15, 130 and the permits' address codes) and how
// many characters the number has; any other digits would tell the reader
// something the mask keeps from them.
func leak(reason, number string) string {
	masked := pii.MaskID(number)
	for _, run := range regexp.MustCompile(`[0-9]+`).FindAllString(reason, -1) {
		switch {
		case strings.Contains(masked, run):
		case slices.Contains([]string{"18", "15", "130", "810000", "820000", "830000"}, run):
		case run == strconv.Itoa(utf8.RuneCountInString(number)):
		default:
			return run
		}
	}
	return ""
}

// No reason, next to the masked number, gives back what the mask hides:
// for an 18-character number the birth date (positions 7–14), for a 15-digit
// one positions 7–11, for anything else all but the last two characters.
func TestReasonsKeepHiddenDigitsHidden(t *testing.T) {
	for _, n := range []string{
		"230602198502300011", // 30 February
		"110105198502300014",
		"110105199013010013", // month 13
		"110105199000010014", // month 00
		"110105199001000010", // day 00
		"110105190002290017", // 29 February 1900
		"810000198502300011", // a permit, 30 February
		"830000198511030175", // a permit, wrong check digit
		"110105850230001",    // 15 digits, 30 February
		"110105851301001",    // 15 digits, month 13
		"810000850101001",    // permit code on 15 digits
		"990101198502300011", // not a province
		"81010119850101001X", // permit code below province
		"110105198501010013", // wrong check digit
		"11010519850101001",  // 17 digits
		"1101051985010100133",
		"11010519850101",
		"123",
		"1101051985O101001X", // a letter O
		"110105210001010015", // in the future
		"110105187001010012", // more than 130 years ago
		"11010585010100X",    // X on 15 digits
	} {
		_, err := idcard.Parse(n, today)
		if err == nil {
			t.Fatalf("Parse(%q) accepted", n)
		}
		if l := leak(err.Error(), n); l != "" {
			t.Errorf("Parse(%q) = %q repeats %q, which the mask %s hides", n, err, l, pii.MaskID(n))
		}
		if _, err := idcard.Upgrade(n); err != nil {
			if l := leak(err.Error(), n); l != "" {
				t.Errorf("Upgrade(%q) = %q repeats %q, which the mask %s hides", n, err, l, pii.MaskID(n))
			}
		}
	}
}

func TestPropertyReasonsKeepHiddenDigitsHidden(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n, _, _, _ := genValid(t)
		switch rapid.IntRange(0, 3).Draw(t, "damage") {
		case 0: // one character changed anywhere
			i := rapid.IntRange(0, 17).Draw(t, "position")
			n = n[:i] + rapid.SampledFrom([]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "X"}).Draw(t, "character") + n[i+1:]
		case 1: // month and day typed at random
			n = n[:10] + rapid.StringMatching(`[0-9]{4}`).Draw(t, "month and day") + n[14:]
		case 2: // an old 15-digit number with a date typed at random
			n = n[:6] + rapid.StringMatching(`[0-9]{6}`).Draw(t, "date") + n[14:17]
		case 3: // digits of any length
			n = rapid.StringMatching(`[0-9]{0,20}X?`).Draw(t, "digits")
		}
		_, err := idcard.Parse(n, today)
		if err == nil {
			t.Skip("still valid")
		}
		if l := leak(err.Error(), n); l != "" {
			t.Fatalf("Parse(%q) = %q repeats %q, which the mask %s hides", n, err, l, pii.MaskID(n))
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "１１０１０５１９４９１２３１００２ｘ",
		"230602900101123", "810000199001011230", "810101199001011232",
		"230602199002300023", "", " ", "X", "\xff\xfe", "一二三四五六七八九十一二三四五",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := idcard.Parse(s, today)
		if err != nil {
			var e *idcard.Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("Parse(%q): error %#v without a reason", s, err)
			}
			return
		}
		again, err := idcard.Parse(info.Number, today)
		if err != nil {
			t.Fatalf("Parse(%q) accepted as %q, which is then refused: %v", s, info.Number, err)
		}
		if diff := cmp.Diff(info, again); diff != "" {
			t.Fatalf("Parse(%q) and Parse(%q) differ (-first +second):\n%s", s, info.Number, diff)
		}
		if len(info.Number) != 15 && len(info.Number) != 18 || info.Region != info.Number[:6] {
			t.Fatalf("Parse(%q) = %+v", s, info)
		}
		if info.Kind == idcard.Legacy15 {
			n, err := idcard.Upgrade(info.Number)
			if err != nil {
				t.Fatalf("Upgrade(%q): %v", info.Number, err)
			}
			up, err := idcard.Parse(n, today)
			if err != nil || up.Kind != idcard.Resident18 || !up.BirthDate.Equal(info.BirthDate) || up.Sex != info.Sex {
				t.Fatalf("Upgrade(%q) = %q parses as %+v, %v", info.Number, n, up, err)
			}
		}
	})
}

func ExampleParse() {
	info, err := idcard.Parse("11010519491231002x", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Number, info.Kind, info.Region, info.BirthDate.Format(time.DateOnly), info.Sex)
	fmt.Println(info.Age(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)))

	_, err = idcard.Parse("110105194912310023", time.Now())
	fmt.Println(err)
	// Output:
	// 11010519491231002X resident 110105 1949-12-31 female
	// 76
	// check digit 3 does not match the other digits; one of them is probably mistyped
}
