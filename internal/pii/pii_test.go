package pii_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"pgregory.net/rapid"

	"github.com/gridgov/gridgov/internal/pii"
)

func TestMaskID(t *testing.T) {
	cases := []struct{ in, want string }{
		{"230602199001011238", "230602********1238"},
		{"11010519491231002X", "110105********002X"},
		{"230602900101123", "230602*****1123"},
		{"２３０６０２１９９００１０１１２３８", "２３０６０２********１２３８"},   // counted in characters, not bytes
		{"23060219900101123", "***************23"},     // 17: not an ID length
		{"2306021990010112381", "*****************81"}, // 19
		{"1234", "**34"},
		{"123", "**3"}, // never more than half shown
		{"12", "*2"},
		{"1", "*"},
		{"", ""},
		{"230602********1238", "230602********1238"}, // already masked
	}
	for _, tc := range cases {
		if got := pii.MaskID(tc.in); got != tc.want {
			t.Errorf("MaskID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	cases := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"138 1234 5678", "138****5678"},
		{"+86 138-1234-5678", "138****5678"},
		{"008613812345678", "138****5678"},
		{"8613812345678", "138****5678"},
		{"0459-12345678", "0459-****5678"},
		{"0459-1234567", "0459-***4567"},
		{"045912345678", "0459-****5678"},
		{"010 87654321", "010-****4321"},
		{"021-2345678", "021-***5678"},
		{"400-123-4567", "400-***-4567"},
		{"8001234567", "800-***-4567"},
		// Not valid numbers: hidden but for the last 4, and never more than half.
		{"1381234567", "******4567"}, // 10 digits
		{"138****5678", "*******5678"},
		{"+1 415 555 0100", "***********0100"},
		{"12345", "***45"},
		{"110", "**0"},
		{"x", "*"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := pii.MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"张三", "张*"},
		{"张三丰", "张**"},
		{"王小明明", "王***"},
		{"欧阳修", "欧阳*"},
		{"欧阳娜娜", "欧阳**"},
		{"司马相如", "司马**"},
		{"诸葛亮", "诸葛*"},
		{"百里奚", "百里*"},
		{"歐陽震華", "歐陽**"}, // traditional characters (Hong Kong, Macau, Taiwan)
		{"欧阳", "欧*"},     // two characters: surname 欧, given name 阳
		{"欧美丽", "欧**"},   // 欧 alone is a surname too
		{"买买提·吐尔逊", "买******"},
		{"张", "*"}, // nothing to hide but the surname: hide it all
		{"John Smith", "J*** S****"},
		{"Mary-Jane O'Neil", "M***-J*** O*****"},
		{"J. R. R. Tolkien", "J. R. R. T******"},
		{"Ivan", "I***"},
		{"J", "*"},
		{"A B", "***"},
		{"", ""},
		{"张*", "张*"},
		{"J*** S****", "J*** S****"},
	}
	for _, tc := range cases {
		if got := pii.MaskName(tc.in); got != tc.want {
			t.Errorf("MaskName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	cases := []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{" 138 1234 5678 ", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"0086 13812345678", "13812345678"},
		{"86 13812345678", "13812345678"},
		{"１３８１２３４５６７８", "13812345678"},
		{"19912345678", "19912345678"},
		{"0459-1234567", "0459-1234567"},
		{"04591234567", "0459-1234567"},
		{"0459 12345678", "0459-12345678"},
		{"010-12345678", "010-12345678"},
		{"0101234567", "010-1234567"},
		{"02012345678", "020-12345678"},
		{"029-8765432", "029-8765432"},
		{"045-91234567", "0459-1234567"}, // the area code is where the numbering plan says
		{"400-123-4567", "400-123-4567"},
		{"4001234567", "400-123-4567"},
		{"800 123 4567", "800-123-4567"},
	}
	for _, tc := range cases {
		got, err := pii.NormalizePhone(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizePhoneRefusals(t *testing.T) {
	cases := []struct{ in, reason string }{
		{"", "phone number is empty"},
		{"  ", "phone number is empty"},
		{"- -", "phone number has no digits"},
		{"+", "phone number has no digits"},
		{"(0459)1234567", "may contain only digits, spaces, dashes and a leading +"},
		{"138.1234.5678", "may contain only digits, spaces, dashes and a leading +"},
		{"138+12345678", "may contain only digits, spaces, dashes and a leading +"},
		{"电话13812345678", "may contain only digits, spaces, dashes and a leading +"},
		{"+1 415 555 0100", "only mainland China numbers (+86) are accepted"},
		{"+852 9123 4567", "only mainland China numbers (+86) are accepted"},
		{"001 415 555 0100", "only mainland China numbers (+86) are accepted"},
		{"+86 0459 1234567", "after the +86 country code only a mobile number is accepted; write a landline with its area code, like 0459-1234567"},
		{"0086 4001234567", "after the +86 country code only a mobile number is accepted; write a landline with its area code, like 0459-1234567"},
		{"+86", "after the +86 country code only a mobile number is accepted; write a landline with its area code, like 0459-1234567"},
		{"1381234567", "a mobile number has 11 digits, got 10"},
		{"138123456789", "a mobile number has 11 digits, got 12"},
		{"12345678901", "a mobile number starts with 13 to 19, not 12"},
		{"11012345678", "a mobile number starts with 13 to 19, not 11"},
		{"+86 12345678901", "a mobile number starts with 13 to 19, not 12"},
		{"0", "a landline number has a 3- or 4-digit area code and 7 or 8 digits after it"},
		{"0111234567", "area code 011 does not exist (the only area code starting with 01 is 010)"},
		{"0459-123456", "a landline number has 7 or 8 digits after the area code 0459, got 6"},
		{"0459-123456789", "a landline number has 7 or 8 digits after the area code 0459, got 9"},
		{"045", "a landline number has 7 or 8 digits after the area code 045, got 0"},
		{"010-1234567-801", "a landline number has 7 or 8 digits after the area code 010, got 10"},
		{"0459-0123456", "the local number after the area code 0459 cannot start with 0"},
		{"0459-04591234", "the local number after the area code 0459 cannot start with 0"},
		{"400-123-456", "a 400 service number has 10 digits, got 9"},
		{"800-1234-5678", "a 800 service number has 10 digits, got 11"},
		{"95588", "is not a mobile number (starting with 1), a landline (starting with an area code 0…) or a 400/800 service number"},
		{"8612345678901", "a mobile number starts with 13 to 19, not 12"},
		{"8601234567890", "is not a mobile number (starting with 1), a landline (starting with an area code 0…) or a 400/800 service number"},
	}
	for _, tc := range cases {
		got, err := pii.NormalizePhone(tc.in)
		var e *pii.Error
		if !errors.As(err, &e) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want refusal %q", tc.in, got, err, tc.reason)
			continue
		}
		if e.Reason != tc.reason || err.Error() != tc.reason || got != "" {
			t.Errorf("NormalizePhone(%q) = %q, reason\n got %q\nwant %q", tc.in, got, e.Reason, tc.reason)
		}
	}
}

// revealed lists the positions of out that show a character rather than
// "*", checking on the way that each shows the input's character there.
func revealed(t *rapid.T, in, out string) []int {
	a, b := []rune(in), []rune(out)
	if len(a) != len(b) {
		t.Fatalf("%q masked to %q: %d characters, want %d", in, out, len(b), len(a))
	}
	var pos []int
	for i := range b {
		if b[i] == '*' {
			continue
		}
		if b[i] != a[i] {
			t.Fatalf("%q masked to %q shows %q at %d, input has %q", in, out, b[i], i, a[i])
		}
		pos = append(pos, i)
	}
	return pos
}

// noNewReveals checks that masking an already masked value shows nothing
// that the first masking hid.
func noNewReveals(t *rapid.T, once, twice string) {
	a, b := []rune(once), []rune(twice)
	if len(a) != len(b) {
		t.Fatalf("re-masking %q gave %q: length changed", once, twice)
	}
	for i := range b {
		if b[i] != '*' && b[i] != a[i] {
			t.Fatalf("re-masking %q gave %q: position %d changed", once, twice, i)
		}
		if a[i] == '*' && b[i] != '*' {
			t.Fatalf("re-masking %q gave %q: position %d revealed", once, twice, i)
		}
	}
}

// anyText draws strings that sometimes look like IDs, phones or names.
func anyText(t *rapid.T) string {
	return rapid.OneOf(
		rapid.String(),
		rapid.StringMatching(`[0-9]{14,19}X?`),
		rapid.StringMatching(`[\p{Han}·]{0,6}`),
		rapid.StringMatching(`[A-Za-z .'-]{0,20}`),
		rapid.StringMatching(`\+?[0-9 -]{0,16}`),
	).Draw(t, "text")
}

func TestPropertyMaskID(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := anyText(t)
		out := pii.MaskID(in)
		pos := revealed(t, in, out)
		n := utf8.RuneCountInString(in)
		switch n {
		case 18, 15:
			// Exactly the first 6 and the last 4, whatever the input is.
			if len(pos) > 10 {
				t.Fatalf("%q masked to %q shows %d characters", in, out, len(pos))
			}
			for _, p := range pos {
				if p >= 6 && p < n-4 {
					t.Fatalf("%q masked to %q shows position %d", in, out, p)
				}
			}
		default:
			if len(pos) > 2 || len(pos) > n/2 {
				t.Fatalf("%q masked to %q shows %d of %d characters", in, out, len(pos), n)
			}
		}
		if n > 0 && !strings.ContainsRune(out, '*') {
			t.Fatalf("%q masked to %q hides nothing", in, out)
		}
		noNewReveals(t, out, pii.MaskID(out))
	})
}

func TestPropertyMaskName(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := anyText(t)
		out := pii.MaskName(in)
		pos := revealed(t, in, out)
		r := []rune(in)
		if len(r) > 0 && !strings.ContainsRune(out, '*') {
			t.Fatalf("%q masked to %q hides nothing", in, out)
		}
		if len(r) > 0 && unicode.Is(unicode.Han, r[0]) {
			// At most the surname, and it comes first.
			for i, p := range pos {
				if p != i || p > 1 {
					t.Fatalf("%q masked to %q shows position %d", in, out, p)
				}
			}
		} else {
			// Letters shown only at the start of a word.
			for _, p := range pos {
				c := r[p]
				separator := unicode.IsSpace(c) || strings.ContainsRune("-.·・•‧", c)
				if !separator && p > 0 && !unicode.IsSpace(r[p-1]) && !strings.ContainsRune("-.·・•‧", r[p-1]) {
					t.Fatalf("%q masked to %q shows %q inside a word", in, out, c)
				}
			}
		}
		if again := pii.MaskName(out); again != out {
			t.Fatalf("MaskName(%q) = %q, but masking that again gives %q", in, out, again)
		}
	})
}

func TestPropertyMaskPhone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := anyText(t)
		out := pii.MaskPhone(in)
		if in != "" && !strings.ContainsRune(out, '*') {
			t.Fatalf("%q masked to %q hides nothing", in, out)
		}
		digits := 0
		for _, c := range out {
			if c != '*' && c != '-' {
				digits++
			}
		}
		// The most a phone mask shows is a 4-digit area code and 4 digits.
		if digits > 8 {
			t.Fatalf("%q masked to %q shows %d characters", in, out, digits)
		}
		if _, err := pii.NormalizePhone(in); err != nil {
			// Not a number: shown as given, except the hidden part.
			pos := revealed(t, in, out)
			if n := utf8.RuneCountInString(in); len(pos) > 4 || len(pos) > n/2 {
				t.Fatalf("%q masked to %q shows %d of %d characters", in, out, len(pos), n)
			}
		}
		noNewReveals(t, out, pii.MaskPhone(out))
	})
}

func TestPropertyMaskMobile(t *testing.T) {
	// However a mobile is written, the mask shows exactly the first 3 and
	// last 4 digits of the number.
	rapid.Check(t, func(t *rapid.T) {
		num := rapid.StringMatching(`1[3-9][0-9]{9}`).Draw(t, "mobile")
		prefix := rapid.SampledFrom([]string{"", "+86", "+86 ", "0086", "86", "86-"}).Draw(t, "prefix")
		var b strings.Builder
		b.WriteString(prefix)
		for i := range len(num) {
			b.WriteByte(num[i])
			if rapid.IntRange(0, 4).Draw(t, "separator?") == 0 {
				b.WriteString(rapid.SampledFrom([]string{" ", "-"}).Draw(t, "separator"))
			}
		}
		in := b.String()
		if got, err := pii.NormalizePhone(in); err != nil || got != num {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, num)
		}
		if got, want := pii.MaskPhone(in), num[:3]+"****"+num[7:]; got != want {
			t.Fatalf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	})
}

func TestPropertyLandline(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		area := rapid.OneOf(
			rapid.Just("010"),
			rapid.StringMatching(`02[0-9]`),
			rapid.StringMatching(`0[3-9][0-9]{2}`),
		).Draw(t, "area code")
		local := rapid.StringMatching(`[1-9][0-9]{6,7}`).Draw(t, "local number")
		sep := rapid.SampledFrom([]string{"", "-", " ", " - "}).Draw(t, "separator")
		in := area + sep + local
		want := area + "-" + local
		if got, err := pii.NormalizePhone(in); err != nil || got != want {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
		masked := area + "-" + strings.Repeat("*", len(local)-4) + local[len(local)-4:]
		if got := pii.MaskPhone(in); got != masked {
			t.Fatalf("MaskPhone(%q) = %q, want %q", in, got, masked)
		}
	})
}

// normalForm is every shape NormalizePhone may return.
var normalForm = regexp.MustCompile(`^(1[3-9][0-9]{9}|0(10|2[0-9]|[3-9][0-9]{2})-[1-9][0-9]{6,7}|[48]00-[0-9]{3}-[0-9]{4})$`)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "8613812345678",
		"0459-1234567", "010 12345678", "400-123-4567", "+1 415", "", "+", "０４５９－１２３４５６７", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := pii.NormalizePhone(s)
		if err != nil {
			var e *pii.Error
			if !errors.As(err, &e) || e.Reason == "" || n != "" {
				t.Fatalf("NormalizePhone(%q) = %q, %#v", s, n, err)
			}
			return
		}
		if !normalForm.MatchString(n) {
			t.Fatalf("NormalizePhone(%q) = %q, not a normal form", s, n)
		}
		if again, err := pii.NormalizePhone(n); err != nil || again != n {
			t.Fatalf("NormalizePhone(%q) = %q, which normalises to %q, %v", s, n, again, err)
		}
		if m := pii.MaskPhone(s); m != pii.MaskPhone(n) || !strings.ContainsRune(m, '*') {
			t.Fatalf("MaskPhone(%q) = %q, MaskPhone(%q) = %q", s, m, n, pii.MaskPhone(n))
		}
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"230602199001011238", "230602900101123", "张三", "欧阳修", "John Smith", "13812345678", "", "\xff\xfe", "·",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := utf8.RuneCountInString(s)
		for name, mask := range map[string]func(string) string{"MaskID": pii.MaskID, "MaskName": pii.MaskName, "MaskPhone": pii.MaskPhone} {
			out := mask(s)
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q, not valid UTF-8", name, s, out)
			}
			if n > 0 && !strings.ContainsRune(out, '*') {
				t.Fatalf("%s(%q) = %q hides nothing", name, s, out)
			}
			if name != "MaskPhone" && utf8.RuneCountInString(out) != n {
				t.Fatalf("%s(%q) = %q: %d characters, want %d", name, s, out, utf8.RuneCountInString(out), n)
			}
			if again := mask(out); name != "MaskPhone" && again != out {
				t.Fatalf("%s(%q) = %q, masked again %q", name, s, out, again)
			}
		}
	})
}
