package workcal

import (
	"fmt"
	"time"
)

// Date is a civil date with no time of day and no zone: the unit in which
// holidays are declared. It is written as "2006-01-02" in JSON and SQL.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t as read on t's own clock. To read an instant
// on the calendar's clock use Calendar.DateOf.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "YYYY-MM-DD" exactly: four-digit year 0001–9999, a month
// that exists and a day that exists in that month.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	date := Date{y, time.Month(m), d}
	if !date.Valid() {
		return Date{}, fmt.Errorf("%q is not a date in the calendar", s)
	}
	return date, nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Valid reports whether d names a day that exists, in years 1–9999.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// String formats d as "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText formats d as "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "YYYY-MM-DD" as ParseDate does.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	a, b := d.dayNumber(), e.dayNumber()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AddDays returns the date n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return dateOfDay(d.dayNumber() + int64(n)) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return weekday(d.dayNumber()) }

// dayNumber counts days since 1970-01-01; an invalid date is normalised the
// way time.Date normalises it (February 30 is March 2).
func (d Date) dayNumber() int64 {
	return floorDiv(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix(), secondsPerDay)
}

func dateOfDay(day int64) Date {
	return DateOf(time.Unix(day*secondsPerDay, 0).UTC())
}

// weekday of a day number: 1970-01-01 was a Thursday.
func weekday(day int64) time.Weekday { return time.Weekday(floorMod(day+4, 7)) }

const secondsPerDay = 24 * 60 * 60

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// TimeOfDay is a wall-clock time in seconds since midnight, 0 (00:00) to
// 86400 (24:00, the end of the day). It is written "15:04" or "15:04:05".
type TimeOfDay int

// Clock returns the time of day h:m:s.
func Clock(h, m, s int) TimeOfDay { return TimeOfDay(h*3600 + m*60 + s) }

// ParseTimeOfDay reads "HH:MM" or "HH:MM:SS" (24-hour, "24:00" allowed as
// the end of the day).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	if (len(s) != 5 && len(s) != 8) || s[2] != ':' || (len(s) == 8 && s[5] != ':') {
		return 0, fmt.Errorf("%q is not a time of day of the form HH:MM or HH:MM:SS", s)
	}
	h, ok1 := digits(s[0:2])
	m, ok2 := digits(s[3:5])
	sec, ok3 := 0, true
	if len(s) == 8 {
		sec, ok3 = digits(s[6:8])
	}
	if !ok1 || !ok2 || !ok3 {
		return 0, fmt.Errorf("%q is not a time of day of the form HH:MM or HH:MM:SS", s)
	}
	if m > 59 || sec > 59 || h > 24 || (h == 24 && (m != 0 || sec != 0)) {
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 24:00", s)
	}
	return Clock(h, m, sec), nil
}

// String formats t as "15:04", or "15:04:05" when it has seconds.
func (t TimeOfDay) String() string {
	if t < 0 || t > secondsPerDay {
		return fmt.Sprintf("TimeOfDay(%d)", int(t))
	}
	h, m, s := int(t)/3600, int(t)/60%60, int(t)%60
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// MarshalText formats t as String does; it refuses a value outside the day.
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if t < 0 || t > secondsPerDay {
		return nil, fmt.Errorf("time of day %d s is outside 00:00–24:00", int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads a time of day as ParseTimeOfDay does.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Period is one stretch of working time in a working day, [Start, End).
type Period struct {
	Start TimeOfDay `json:"start"`
	End   TimeOfDay `json:"end"`
}

// String formats p as "08:30–12:00".
func (p Period) String() string { return p.Start.String() + "–" + p.End.String() }
