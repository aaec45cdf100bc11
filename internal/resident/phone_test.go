package resident_test

import (
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/gridgov/gridgov/internal/resident"
)

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{" 138 1234 5678 ", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"8619912345678", "19912345678"},
		{"", ""},
		{"12812345678", ""},  // 12x is no mobile prefix
		{"1381234567", ""},   // ten digits
		{"138123456789", ""}, // twelve
		{"0459-1234567", ""}, // landline
		{"1381234567a", ""},
		{"１３８１２３４５６７８", ""}, // full-width digits
		{"+85213812345678", ""},
	} {
		got, err := resident.NormalizePhone(c.in)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

var mobile = regexp.MustCompile(`^1[3-9]\d{9}$`)

func TestNormalizePhoneProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Every mainland mobile is accepted in any of its usual spellings.
		n := rapid.StringMatching(`1[3-9][0-9]{9}`).Draw(t, "number")
		spelled := rapid.SampledFrom([]string{
			n, "+86" + n, "86" + n, " " + n + " ", n[:3] + " " + n[3:7] + " " + n[7:], n[:3] + "-" + n[3:7] + "-" + n[7:], "+86 " + n,
		}).Draw(t, "spelling")
		got, err := resident.NormalizePhone(spelled)
		if err != nil || got != n {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", spelled, got, err, n)
		}
		// Changing the second digit to 0-2 makes it no mobile.
		bad := n[:1] + rapid.SampledFrom([]string{"0", "1", "2"}).Draw(t, "second") + n[2:]
		if _, err := resident.NormalizePhone(bad); err == nil {
			t.Fatalf("NormalizePhone(%q) accepted", bad)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138 1234 5678", "8613812345678", "", "86", "+86", "1", "--", "\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := resident.NormalizePhone(s)
		if err != nil {
			if got != "" {
				t.Fatalf("refused %q but returned %q", s, got)
			}
			return
		}
		if !mobile.MatchString(got) {
			t.Fatalf("NormalizePhone(%q) = %q, not a mobile number", s, got)
		}
		// Normalising is idempotent, and the digits come from the input.
		if again, err := resident.NormalizePhone(got); err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, %v", got, again, err)
		}
		if !strings.Contains(strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(s), got) {
			t.Fatalf("NormalizePhone(%q) = %q is not in the input", s, got)
		}
	})
}
