// Package pii masks personal values (ID numbers, phone numbers, names) for
// display and normalises phone numbers for storage and exact lookup.
//
// The maskers never fail: whatever they are given, they return something safe
// to show, and for any non-empty input at least one character is hidden, so a
// masked value can never be mistaken for a revealed one.
package pii

import (
	"fmt"
	"strings"
	"unicode"
)

// Error is a refused phone number; Reason is plain words for a clerk.
type Error struct {
	Reason string
}

// Error returns the reason alone: callers file it under a field name
// ("phone"), which already says what the reason is about.
func (e *Error) Error() string { return e.Reason }

func refuse(format string, args ...any) *Error {
	return &Error{Reason: fmt.Sprintf(format, args...)}
}

// mask is the character that stands for one hidden character.
const mask = '*'

// MaskID keeps the address code (first 6) and the last 4 characters of an
// 18- or 15-character ID number ("230602********1234", "230602*****1234");
// anything else is hidden except at most its last 2 characters.
func MaskID(number string) string {
	r := []rune(number)
	switch len(r) {
	case 18:
		return string(r[:6]) + stars(8) + string(r[14:])
	case 15:
		return string(r[:6]) + stars(5) + string(r[11:])
	}
	return maskAllBut(r, 2)
}

// MaskPhone hides the middle of a phone number: a mobile as "138****5678", a
// landline as "0459-****5678" (area code and last 4 kept), a service number
// as "400-***-5678"; anything that is not a valid number is hidden except at
// most its last 4 characters. Valid numbers are shown in normalised form.
func MaskPhone(phone string) string {
	n, err := NormalizePhone(phone)
	if err != nil {
		return maskAllBut([]rune(phone), 4)
	}
	switch {
	case n[0] == '1': // mobile: 13812345678
		return n[:3] + stars(4) + n[7:]
	case n[0] == '0': // landline: 0459-1234567
		dash := strings.IndexByte(n, '-')
		local := n[dash+1:]
		return n[:dash+1] + stars(len(local)-4) + local[len(local)-4:]
	default: // service: 400-123-4567
		return n[:4] + stars(3) + n[7:]
	}
}

// maskAllBut hides all of r except its last keep runes, and never more than
// half of them: for short input, showing the last 4 of 5 characters would
// show nearly everything.
func maskAllBut(r []rune, keep int) string {
	keep = min(keep, len(r)/2)
	return stars(len(r)-keep) + string(r[len(r)-keep:])
}

func stars(n int) string { return strings.Repeat(string(mask), n) }

// compoundSurnames are the two-character surnames kept whole by MaskName, in
// simplified and (for Hong Kong, Macau and Taiwan residents) traditional
// characters.
var compoundSurnames = map[string]bool{
	"欧阳": true, "司马": true, "诸葛": true, "上官": true, "东方": true,
	"皇甫": true, "令狐": true, "慕容": true, "尉迟": true, "长孙": true,
	"宇文": true, "司徒": true, "夏侯": true, "公孙": true, "轩辕": true,
	"端木": true, "独孤": true, "南宫": true, "西门": true, "百里": true,
	"歐陽": true, "司馬": true, "諸葛": true, "東方": true, "尉遲": true,
	"長孫": true, "公孫": true, "軒轅": true, "獨孤": true, "南宮": true,
	"西門": true,
}

// MaskName keeps what identifies a family rather than a person: for a name
// written in Chinese characters the surname (two characters for a compound
// surname such as 欧阳, when a given name follows), otherwise the first
// letter of each word. Every other character becomes one "*", so the length
// is kept; a name with nothing left to hide (张, "J") is hidden entirely.
func MaskName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return ""
	}
	out := make([]rune, len(r))
	hidden := 0
	if unicode.Is(unicode.Han, r[0]) {
		keep := 1
		if len(r) > 2 && compoundSurnames[string(r[:2])] {
			keep = 2
		}
		copy(out, r[:keep])
		for i := keep; i < len(r); i++ {
			out[i] = mask
			hidden++
		}
	} else {
		wordStart := true
		for i, c := range r {
			switch {
			case isNameSeparator(c):
				out[i], wordStart = c, true
			case wordStart:
				out[i], wordStart = c, false
			default:
				out[i] = mask
				hidden++
			}
		}
	}
	if hidden == 0 {
		return stars(len(r))
	}
	return string(out)
}

// isNameSeparator reports whether c separates the words of a name: white
// space, hyphens, full stops after initials, and the middle dots used between
// the parts of transliterated names (阿卜杜·艾力).
func isNameSeparator(c rune) bool {
	switch c {
	case '-', '.', '·', '・', '•', '‧':
		return true
	}
	return unicode.IsSpace(c)
}

// NormalizePhone checks a mainland China phone number and returns it in the
// one form it is stored and looked up in: mobiles as "13812345678" (a +86,
// 86 or 0086 prefix dropped), landlines as "0459-1234567", service numbers as
// "400-123-4567". Spaces and dashes anywhere and full-width digits are
// accepted.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", refuse("phone number is empty")
	}
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	d := make([]byte, 0, len(s))
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			d = append(d, byte(c))
		case c >= '０' && c <= '９':
			d = append(d, byte(c-'０'+'0'))
		case c == '-' || unicode.IsSpace(c):
		default:
			return "", refuse("may contain only digits, spaces, dashes and a leading +")
		}
	}
	digits := string(d)
	if digits == "" {
		return "", refuse("phone number has no digits")
	}

	// A country code is only ever written in front of a mobile: landlines
	// are dialled with their area code, and 400/800 numbers cannot be
	// reached from abroad.
	international := false
	switch {
	case plus && !strings.HasPrefix(digits, "86"):
		return "", refuse("only mainland China numbers (+86) are accepted")
	case plus:
		digits, international = digits[2:], true
	case strings.HasPrefix(digits, "0086"):
		digits, international = digits[4:], true
	case strings.HasPrefix(digits, "86") && len(digits) == 13 && digits[2] == '1':
		// 86 without + or 00 is only recognised where it cannot be the
		// start of anything else: 13 digits, a mobile after it.
		digits, international = digits[2:], true
	}
	if international && !strings.HasPrefix(digits, "1") {
		return "", refuse("after the +86 country code only a mobile number is accepted; write a landline with its area code, like 0459-1234567")
	}

	switch {
	case strings.HasPrefix(digits, "1"):
		return mobile(digits)
	case strings.HasPrefix(digits, "0"):
		return landline(digits)
	case strings.HasPrefix(digits, "400"), strings.HasPrefix(digits, "800"):
		if len(digits) != 10 {
			return "", refuse("a %s service number has 10 digits, got %d", digits[:3], len(digits))
		}
		return digits[:3] + "-" + digits[3:6] + "-" + digits[6:], nil
	}
	return "", refuse("is not a mobile number (starting with 1), a landline (starting with an area code 0…) or a 400/800 service number")
}

// mobile checks a mainland mobile number, 1[3-9] followed by 9 digits.
func mobile(d string) (string, error) {
	if len(d) != 11 {
		return "", refuse("a mobile number has 11 digits, got %d", len(d))
	}
	if d[1] < '3' {
		return "", refuse("a mobile number starts with 13 to 19, not %s", d[:2])
	}
	return d, nil
}

// landline checks an area code and local number and puts a dash between
// them. Where the area code ends is not written down reliably (people put
// dashes and spaces anywhere), but it follows from the numbering plan: the
// three-digit codes are 010 and 020–029, and every other code has four digits.
func landline(d string) (string, error) {
	if len(d) < 2 {
		return "", refuse("a landline number has a 3- or 4-digit area code and 7 or 8 digits after it")
	}
	var area int
	switch d[1] {
	case '0':
		return "", refuse("only mainland China numbers (+86) are accepted")
	case '1':
		if !strings.HasPrefix(d, "010") {
			return "", refuse("area code %s does not exist (the only area code starting with 01 is 010)", d[:min(len(d), 3)])
		}
		area = 3
	case '2':
		area = 3
	default:
		area = 4
	}
	local := d[min(area, len(d)):]
	if len(local) != 7 && len(local) != 8 {
		return "", refuse("a landline number has 7 or 8 digits after the area code %s, got %d", d[:min(area, len(d))], len(local))
	}
	// A 0 here is a second trunk prefix (an area code typed twice or a
	// stray 0), never the start of a local number.
	if local[0] == '0' {
		return "", refuse("the local number after the area code %s cannot start with 0", d[:area])
	}
	return d[:area] + "-" + local, nil
}
