// Package idcard parses and checks Chinese identity numbers: the GB 11643-1999
// 18-character citizen ID, the old 15-digit ID, and the 18-character residence
// permit for Hong Kong, Macau and Taiwan residents.
//
// Refusals are *Error values whose Reason is written for a clerk at a counter,
// so a handler can pass it on as a field reason unchanged. Reasons never
// repeat the whole number, nor any digit that a masked display hides (the
// birth date in the middle): a reason travels next to the masked number, in
// error reports, downloads and logs, and the two together must not rebuild
// it. A reason may name the address code and the check digit, which the mask
// shows.
package idcard

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind says which document an identity number belongs to.
type Kind string

const (
	// Resident18 is the GB 11643-1999 18-character citizen ID.
	Resident18 Kind = "resident"
	// Legacy15 is the old 15-digit ID (birth year 19xx, no check digit).
	Legacy15 Kind = "legacy15"
	// HKMacauTaiwan is the 港澳台居民居住证: 18 characters, address code
	// 810000 (Hong Kong), 820000 (Macau) or 830000 (Taiwan), same checksum.
	HKMacauTaiwan Kind = "residence_permit"
)

// Sex is read from the parity of the sequence code.
type Sex string

const (
	// Male is an odd sequence code.
	Male Sex = "male"
	// Female is an even sequence code.
	Female Sex = "female"
)

// Info is what a valid identity number says about its holder.
type Info struct {
	Number    string    // normalised: trimmed, upper-case X, full-width digits converted
	Kind      Kind      // which document the number belongs to
	Region    string    // the 6-digit address code, as issued (old codes stay valid)
	BirthDate time.Time // UTC midnight
	Sex       Sex       // from the sequence code's parity (odd = male)
}

// Error is a refused identity number; Reason is plain words for a clerk.
type Error struct {
	Reason string
}

// Error returns the reason alone: callers file it under a field name
// ("id_number"), which already says what the reason is about.
func (e *Error) Error() string { return e.Reason }

func refuse(format string, args ...any) *Error {
	return &Error{Reason: fmt.Sprintf(format, args...)}
}

// maxAge bounds plausible birth dates: a date further back is a typing error,
// not a living (or recently living) person.
const maxAge = 130

// weights are the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 for positions 1–17.
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars maps the weighted sum mod 11 to the check character.
const checkChars = "10X98765432"

// provinces are the province-level codes of GB/T 2260 that can lead an
// address code. Only this level is checked: prefectures and counties are
// merged and renumbered over time, and an ID keeps the code it was issued
// with, so anything below a real province is accepted.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true,
	"81": true, "82": true, "83": true,
}

// permitCodes are the only address codes a Hong Kong, Macau or Taiwan
// residence permit carries.
var permitCodes = map[string]bool{"810000": true, "820000": true, "830000": true}

// CheckDigit returns the ISO 7064 MOD 11-2 check character ('0'–'9' or 'X')
// for the first 17 characters of an 18-character ID, or 0 if first17 is not
// exactly 17 ASCII digits.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := range 17 {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// Parse checks an identity number and reads the holder's region, birth date
// and sex from it. The number may have surrounding spaces, full-width digits
// and a lower-case or full-width x; Info.Number is the normalised form.
// today is the current time: its calendar date, in its own location, is the
// latest birth date accepted, so pass it in the deployment's time zone.
func Parse(s string, today time.Time) (Info, error) {
	info, err := parse(normalize(s))
	if err != nil {
		return Info{}, err
	}
	y, m, d := today.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch {
	case info.BirthDate.After(day):
		return Info{}, refuse("birth date is in the future")
	case info.BirthDate.Before(day.AddDate(-maxAge, 0, 0)):
		return Info{}, refuse("birth date is more than %d years ago", maxAge)
	}
	return info, nil
}

// Upgrade turns an old 15-digit ID into its 18-character form: "19" goes
// before the two-digit birth year and the check digit is appended. The input
// is checked (and normalised) as Parse would, except for the date range,
// which needs no clock here because a 19xx birth date is never in the future.
func Upgrade(legacy15 string) (string, error) {
	n := normalize(legacy15)
	if c := utf8.RuneCountInString(n); c != 15 {
		return "", refuse("an old ID must have 15 digits, got %d", c)
	}
	if _, err := parse(n); err != nil {
		return "", err
	}
	first17 := n[:6] + "19" + n[6:]
	return first17 + string(CheckDigit(first17)), nil
}

// Age is the holder's age in whole years on the calendar date of on (in on's
// location); see AgeOn.
func (i Info) Age(on time.Time) int { return AgeOn(i.BirthDate, on) }

// AgeOn is the age in whole years, on the calendar date of on (in on's
// location), of someone born on the calendar date of birth. It is counted by
// (month, day), never by day of the year, which shifts after 28 February in
// leap years: the age goes up on the birthday, and someone born on
// 29 February turns a year older on 1 March in common years. It is 0 on
// dates before the birth.
//
// LatestBirth gives the birth dates that agree with it, so that a search by
// age range finds exactly the persons whose age is in that range.
func AgeOn(birth, on time.Time) int {
	y, m, d := on.Date()
	by, bm, bd := birth.Date()
	age := y - by
	if m < bm || (m == bm && d < bd) {
		age--
	}
	return max(age, 0)
}

// LatestBirth is the last birth date (UTC midnight) of someone who is at
// least years old on the calendar date of on: AgeOn(b, on) >= years exactly
// when b is on or before it. On 29 February the bound in a common year is
// 28 February, not 1 March: someone born on 1 March of that year has not had
// their birthday yet.
func LatestBirth(years int, on time.Time) time.Time {
	y, m, d := on.Date()
	t := time.Date(y-years, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 29 February in a common year
		t = time.Date(y-years, m+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// normalize trims surrounding white space and turns the characters a Chinese
// input method or a careless hand produces (full-width digits, full-width or
// lower-case x) into the canonical ASCII ones. Anything else is left for
// parse to refuse.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == 'x' || r == 'Ｘ' || r == 'ｘ':
			return 'X'
		}
		return r
	}, s)
}

// parse checks a normalised number for everything that needs no clock.
// Checks run from the coarsest to the finest so that the reason names the
// most specific thing that is wrong: a mistyped birth date also breaks the
// check digit, but "the birth date it contains is not a real date" is the
// better hint.
func parse(n string) (Info, error) {
	var kind Kind
	switch c := utf8.RuneCountInString(n); c {
	case 18:
		kind = Resident18
		if !allDigits(n[:17]) || !(isDigit(n[17]) || n[17] == 'X') {
			return Info{}, refuse("may contain only digits and a final X")
		}
	case 15:
		kind = Legacy15
		if !allDigits(n) {
			return Info{}, refuse("an old 15-digit ID may contain only digits")
		}
	default:
		return Info{}, refuse("must have 18 characters (or 15 for an old ID), got %d", c)
	}
	// From here on n is ASCII, so byte offsets are character offsets.

	region := n[:6]
	permit := region[0] == '8' // 81, 82, 83: the only province codes starting with 8
	switch {
	case !provinces[region[:2]]:
		return Info{}, refuse("address code %s is not a region code", region)
	case permit && kind == Legacy15:
		return Info{}, refuse("address code %s is not used on old 15-digit IDs (residence permits have 18 characters)", region)
	case permit && !permitCodes[region]:
		return Info{}, refuse("address code %s is not a region code (Hong Kong, Macau and Taiwan residence permits use 810000, 820000 or 830000)", region)
	case permit:
		kind = HKMacauTaiwan
	}

	var date, seq string
	if kind == Legacy15 {
		date, seq = "19"+n[6:12], n[12:15]
	} else {
		date, seq = n[6:14], n[14:17]
	}
	birth, ok := parseDate(date)
	if !ok {
		// Not the date itself: the mask hides it (see the package doc).
		return Info{}, refuse("the birth date it contains is not a real date")
	}

	if kind != Legacy15 {
		// Not the check digit it should be: that is computed from the
		// hidden digits too, and would tempt a clerk to change the last
		// character rather than find the mistyped one.
		if CheckDigit(n[:17]) != n[17] {
			return Info{}, refuse("check digit %c does not match the other digits; one of them is probably mistyped", n[17])
		}
	}

	sex := Female
	if (seq[2]-'0')%2 == 1 {
		sex = Male
	}
	return Info{Number: n, Kind: kind, Region: region, BirthDate: birth, Sex: sex}, nil
}

// parseDate reads an 8-digit YYYYMMDD date and reports whether that day
// exists; time.Date alone would quietly roll 30 February into March.
func parseDate(s string) (time.Time, bool) {
	y := atoi(s[:4])
	m := time.Month(atoi(s[4:6]))
	d := atoi(s[6:8])
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	ty, tm, td := t.Date()
	return t, ty == y && tm == m && td == d
}

func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
