// Package workcal counts working time against a holiday calendar, because
// event time limits are set "in working hours" or "in working days" (e.g.
// exposed garbage 4 working hours, an illegal building 20 working days) and
// China's public holidays and make-up working days (调休) move every year.
//
// A Calendar is built from a Config: a time zone, the working periods of a
// day (by default 08:30–12:00 and 13:30–17:30), the weekend days, and
// per-date overrides that make a date an off day or a working day. Holidays
// are data: ParseHolidays reads the holiday-cn JSON files, and Default
// returns a calendar with a compiled-in copy of 2025–2027.
//
// # Counting rules
//
// Working time is measured on the wall clock of the calendar's zone, inside
// the working periods of working days only. Every instant has a position: the
// working time elapsed since a fixed origin. WorkingDuration(from, to) is the
// difference of the positions of to and from (negative when to is earlier).
// AddWorkingDuration(start, d) returns the earliest instant whose position is
// that of start plus d, so a start outside working time begins counting at
// the next working period, and a deadline that uses up a period exactly lands
// at its end (12:00), not at the start of the next one (13:30). Hence
// WorkingDuration(start, AddWorkingDuration(start, d)) == d for every d.
// Because the wall clock is what counts, in a zone with summer time a
// working period that spans a clock change counts its wall-clock length;
// China has kept UTC+8 without summer time since 1991.
//
// A limit of N working days (N个工作日) follows the rules Chinese law sets for
// periods counted in days (民法典 第二百零一条、第二百零三条; administrative
// limits in working days exclude holidays, 行政许可法 第八十二条): the day of
// receipt is not counted, and where there are business hours the period ends
// when business stops on its last day. So the limit ends at the close of work
// on the Nth working day after the day of receipt, whatever the hour of
// receipt; see AddWorkingDays.
//
// Deadlines are computed at every event transition and measures recount
// them for whole years of events, so every query costs O(1): a table over
// the years with overrides holds the number of working days before each day
// and the list of working days; outside it the weekly pattern is counted
// arithmetically.
package workcal

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Config is everything that defines a Calendar, in a form that stores as
// JSON or in a table as it is.
type Config struct {
	// TimeZone is an IANA zone name; empty means Asia/Shanghai.
	TimeZone string `json:"time_zone"`
	// Periods are the working periods of a working day, in order, not
	// overlapping, within 00:00–24:00.
	Periods []Period `json:"periods"`
	// Weekend lists the days of the week that are off unless overridden
	// (0 = Sunday … 6 = Saturday); empty means every day is a working day.
	Weekend []time.Weekday `json:"weekend"`
	// Overrides make single dates off days or working days. A date may
	// appear twice only with the same IsOffDay (adjacent holiday files can
	// both list the last days of December).
	Overrides []Override `json:"overrides"`
}

// DefaultTimeZone is the zone of a calendar whose Config names none.
const DefaultTimeZone = "Asia/Shanghai"

// maxOverrideYears bounds the table New builds over the overridden years
// (146,097 days, ~1.2 MB); a calendar is loaded with a handful of years.
const maxOverrideYears = 400

// DefaultConfig returns the usual office schedule of a Chinese government
// body: Asia/Shanghai, 08:30–12:00 and 13:30–17:30, Saturday and Sunday off,
// and no holidays (add them with WithYears).
func DefaultConfig() Config {
	return Config{
		TimeZone: DefaultTimeZone,
		Periods: []Period{
			{Start: Clock(8, 30, 0), End: Clock(12, 0, 0)},
			{Start: Clock(13, 30, 0), End: Clock(17, 30, 0)},
		},
		Weekend: []time.Weekday{time.Saturday, time.Sunday},
	}
}

// WithYears returns a copy of c with the days of the given years added to
// its overrides.
func (c Config) WithYears(years ...Year) Config {
	out := c.clone()
	for _, y := range years {
		out.Overrides = append(out.Overrides, y.Days...)
	}
	return out
}

func (c Config) clone() Config {
	return Config{
		TimeZone:  c.TimeZone,
		Periods:   slices.Clone(c.Periods),
		Weekend:   slices.Clone(c.Weekend),
		Overrides: slices.Clone(c.Overrides),
	}
}

// Calendar answers working-time questions. It is immutable and safe for
// concurrent use; build it with New or Default.
type Calendar struct {
	cfg Config
	loc *time.Location

	// Periods in nanoseconds since midnight on the wall clock.
	start, end []int64
	// before[i] is the working time of a working day before period i.
	before []int64
	perDay int64 // working nanoseconds in a working day
	close  int64 // end of the last period: the close of work

	weekend [7]bool
	perWeek int64 // working days in a week of the plain weekly pattern
	// partial[w][r] is the number of working days among the r days that
	// start on weekday w, in the plain weekly pattern.
	partial [7][7]int64

	// Days [lo, hi) are covered by the table; outside it the weekly pattern
	// holds. cum[i] is the number of working days in [lo, lo+i), so
	// len(cum) == hi-lo+1; ord[k] is lo's offset of the kth working day.
	lo, hi    int64
	cum       []int32
	ord       []int32
	overrides map[int64]Override
}

// New validates cfg and builds its Calendar. Refusals are apperr Invalid
// errors naming each bad field (time_zone, periods[i], weekend[i],
// overrides[i].date).
func New(cfg Config) (*Calendar, error) {
	cfg = cfg.clone()
	var fs apperr.Fields
	c := &Calendar{overrides: make(map[int64]Override)}

	if cfg.TimeZone == "" {
		cfg.TimeZone = DefaultTimeZone
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil && cfg.TimeZone == DefaultTimeZone {
		// Without a zone database (a bare container) Shanghai is still
		// UTC+8: China has kept one offset and no summer time since 1991.
		loc, err = time.FixedZone("CST", 8*3600), nil
	}
	if err != nil {
		fs.Add("time_zone", fmt.Sprintf("unknown time zone %q", cfg.TimeZone))
	}
	c.loc = loc

	if len(cfg.Periods) == 0 {
		fs.Add("periods", "at least one working period is needed")
	}
	for i, p := range cfg.Periods {
		at := fmt.Sprintf("periods[%d]", i)
		switch {
		case p.Start < 0 || p.End > secondsPerDay:
			fs.Add(at, fmt.Sprintf("%s is not within 00:00–24:00", p))
		case p.Start >= p.End:
			fs.Add(at, fmt.Sprintf("%s ends before it starts", p))
		case i > 0 && p.Start < cfg.Periods[i-1].End:
			fs.Add(at, fmt.Sprintf("%s starts before periods[%d] %s ends; periods must be in order and not overlap", p, i-1, cfg.Periods[i-1]))
		default:
			s, e := int64(p.Start)*int64(time.Second), int64(p.End)*int64(time.Second)
			c.start = append(c.start, s)
			c.end = append(c.end, e)
			c.before = append(c.before, c.perDay)
			c.perDay += e - s
			c.close = e
		}
	}

	for i, w := range cfg.Weekend {
		at := fmt.Sprintf("weekend[%d]", i)
		switch {
		case w < time.Sunday || w > time.Saturday:
			fs.Add(at, fmt.Sprintf("%d is not a day of the week (0 = Sunday … 6 = Saturday)", int(w)))
		case c.weekend[w]:
			fs.Add(at, fmt.Sprintf("%s is listed twice", w))
		default:
			c.weekend[w] = true
		}
	}
	for w := range 7 {
		if !c.weekend[w] {
			c.perWeek++
		}
	}
	if c.perWeek == 0 {
		fs.Add("weekend", "every day of the week is off; at least one must be a working day")
	}
	slices.Sort(cfg.Weekend)

	overrides := make([]Override, 0, len(cfg.Overrides))
	firstAt := make(map[int64]int, len(cfg.Overrides))
	for i, o := range cfg.Overrides {
		at := fmt.Sprintf("overrides[%d].date", i)
		if !o.Date.Valid() {
			fs.Add(at, fmt.Sprintf("%s is not a date in the calendar", o.Date))
			continue
		}
		day := o.Date.dayNumber()
		if j, dup := firstAt[day]; dup {
			if cfg.Overrides[j].IsOffDay != o.IsOffDay {
				fs.Add(at, fmt.Sprintf("%s is declared %s here and %s at overrides[%d]", o.Date, kind(o.IsOffDay), kind(cfg.Overrides[j].IsOffDay), j))
			}
			continue
		}
		firstAt[day] = i
		c.overrides[day] = o
		overrides = append(overrides, o)
	}
	slices.SortFunc(overrides, func(a, b Override) int { return a.Date.Compare(b.Date) })
	cfg.Overrides = overrides
	if n := len(overrides); n > 0 {
		if span := overrides[n-1].Date.Year - overrides[0].Date.Year + 1; span > maxOverrideYears {
			fs.Add("overrides", fmt.Sprintf("dates span %d years (%d–%d); at most %d are supported", span, overrides[0].Date.Year, overrides[n-1].Date.Year, maxOverrideYears))
		}
	}

	if len(fs) > 0 {
		return nil, fmt.Errorf("work calendar: %w", &apperr.Error{Code: apperr.Invalid, Message: "calendar configuration refused", Fields: fs})
	}
	c.cfg = cfg
	c.buildPattern()
	c.buildTable()
	return c, nil
}

func kind(off bool) string {
	if off {
		return "an off day"
	}
	return "a working day"
}

func (c *Calendar) buildPattern() {
	for w := range 7 {
		n := int64(0)
		for r := range 7 {
			c.partial[w][r] = n
			if !c.weekend[(w+r)%7] {
				n++
			}
		}
	}
}

// buildTable covers whole years from the first to the last overridden one.
func (c *Calendar) buildTable() {
	ov := c.cfg.Overrides
	if len(ov) == 0 {
		c.cum = []int32{0}
		return
	}
	c.lo = Date{ov[0].Date.Year, time.January, 1}.dayNumber()
	c.hi = Date{ov[len(ov)-1].Date.Year + 1, time.January, 1}.dayNumber()
	n := c.hi - c.lo
	c.cum = make([]int32, n+1)
	c.ord = make([]int32, 0, n*c.perWeek/7+8)
	for i := range n {
		day := c.lo + i
		work := !c.weekend[weekday(day)]
		if o, ok := c.overrides[day]; ok {
			work = !o.IsOffDay
		}
		c.cum[i+1] = c.cum[i]
		if work {
			c.cum[i+1]++
			c.ord = append(c.ord, int32(i))
		}
	}
}

// Config returns the calendar's definition, normalised: the zone filled in,
// the weekend sorted, overrides sorted by date with repeats dropped.
func (c *Calendar) Config() Config { return c.cfg.clone() }

// Location returns the zone whose wall clock the calendar reads.
func (c *Calendar) Location() *time.Location { return c.loc }

// WorkdayLength returns the working time in one working day.
func (c *Calendar) WorkdayLength() time.Duration { return time.Duration(c.perDay) }

// DateOf returns the date of t on the calendar's clock.
func (c *Calendar) DateOf(t time.Time) Date {
	day, _ := c.split(t)
	return dateOfDay(day)
}

// IsWorkday reports whether d is a working day: an override decides, else
// the weekday. An invalid date is normalised as time.Date does.
func (c *Calendar) IsWorkday(d Date) bool { return c.isWork(d.dayNumber()) }

// Override returns the override that decides d, if any: its Name says which
// holiday the date belongs to.
func (c *Calendar) Override(d Date) (Override, bool) {
	o, ok := c.overrides[d.dayNumber()]
	return o, ok
}

// IsWorkingTime reports whether t falls inside a working period [start, end)
// of a working day.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	day, ns := c.split(t)
	if !c.isWork(day) {
		return false
	}
	for i := range c.start {
		if ns >= c.start[i] && ns < c.end[i] {
			return true
		}
	}
	return false
}

// AddWorkingDuration returns the deadline d of working time after start: the
// earliest instant t with WorkingDuration(start, t) == d. Counting begins at
// start if it is working time, else at the next working period; a deadline
// that ends a period exactly is the end of that period. A negative d counts
// backwards the same way; d == 0 returns start. The result is on the
// calendar's clock.
func (c *Calendar) AddWorkingDuration(start time.Time, d time.Duration) time.Time {
	if d == 0 {
		return start.In(c.loc)
	}
	day, ns := c.split(start)
	p := c.pos(day, ns)
	q, r := floorDiv(int64(d), c.perDay), floorMod(int64(d), c.perDay)
	// The target lies q working days after start's day, at p+r into it;
	// p+r < 2·perDay. Position 0 of a day is the close of the previous one.
	k, t := q, p+r
	switch {
	case t == 0:
		k, t = q-1, c.perDay
	case t > c.perDay:
		k, t = q+1, t-c.perDay
	}
	return c.timeAt(c.nth(c.count(day)+k), c.wallAt(t))
}

// AddWorkingDays returns the deadline of a limit of n working days received
// at start: the close of work on the nth working day after start's date. The
// date of start is not counted whether or not it is a working day, and the
// hour of receipt does not matter: received any time on Thursday with Friday
// a holiday, 1 working day ends on Monday at the close of work. n == 0 means
// the close of work on start's date, or on the next working day when that
// date is off; a negative n counts working days before start's date.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	day, _ := c.split(start)
	k := c.count(day) + int64(n)
	if n > 0 && !c.isWork(day) {
		// count(day) is already the ordinal of the next working day.
		k--
	}
	return c.timeAt(c.nth(k), c.close)
}

// WorkingDuration returns the working time elapsed from from to to: the sum
// of the parts of working periods of working days between them. It is
// negative when to is before from, and additive:
// WorkingDuration(a, c) == WorkingDuration(a, b) + WorkingDuration(b, c).
// Spans longer than about a thousand years saturate.
func (c *Calendar) WorkingDuration(from, to time.Time) time.Duration {
	dayF, nsF := c.split(from)
	dayT, nsT := c.split(to)
	days := c.count(dayT) - c.count(dayF)
	if limit := math.MaxInt64/c.perDay - 1; days > limit || days < -limit {
		if days > 0 {
			return time.Duration(math.MaxInt64)
		}
		return time.Duration(math.MinInt64)
	}
	return time.Duration(days*c.perDay + c.pos(dayT, nsT) - c.pos(dayF, nsF))
}

// Progress returns the share of the working time from start to deadline
// that has elapsed at now: 0 before start, 0.8 at the yellow threshold of
// 80%, 1 at the deadline and above 1 once it is exceeded. It stays at 1
// through the off hours after a deadline that falls at a close of work, so
// decide "overdue" by comparing now with deadline. When start and deadline
// enclose no working time it is 0 before the deadline and 1 from it on.
func (c *Calendar) Progress(start, deadline, now time.Time) float64 {
	total := c.WorkingDuration(start, deadline)
	if total <= 0 {
		if now.Before(deadline) {
			return 0
		}
		return 1
	}
	used := c.WorkingDuration(start, now)
	if used <= 0 {
		return 0
	}
	return float64(used) / float64(total)
}

// split returns t's day number and nanoseconds since midnight on the
// calendar's wall clock.
func (c *Calendar) split(t time.Time) (day, ns int64) {
	lt := t.In(c.loc)
	_, off := lt.Zone()
	u := lt.Unix() + int64(off)
	day = floorDiv(u, secondsPerDay)
	return day, (u-day*secondsPerDay)*int64(time.Second) + int64(lt.Nanosecond())
}

// timeAt returns the instant at wall-clock nanosecond ns of day.
func (c *Calendar) timeAt(day, ns int64) time.Time {
	return time.Date(1970, time.January, 1+int(day), 0, 0, 0, int(ns), c.loc)
}

// pos is the working time of day before wall-clock nanosecond ns.
func (c *Calendar) pos(day, ns int64) int64 {
	if !c.isWork(day) {
		return 0
	}
	for i := range c.start {
		if ns <= c.start[i] {
			return c.before[i]
		}
		if ns < c.end[i] {
			return c.before[i] + ns - c.start[i]
		}
	}
	return c.perDay
}

// wallAt is the earliest wall-clock time of a working day at which working
// time t, 0 < t <= perDay, has elapsed in it.
func (c *Calendar) wallAt(t int64) int64 {
	for i := range c.start {
		if t <= c.before[i]+c.end[i]-c.start[i] {
			return c.start[i] + t - c.before[i]
		}
	}
	return c.close
}

func (c *Calendar) isWork(day int64) bool {
	if day >= c.lo && day < c.hi {
		return c.cum[day-c.lo+1] > c.cum[day-c.lo]
	}
	return !c.weekend[weekday(day)]
}

// count is the number of working days before day, relative to lo (negative
// before it).
func (c *Calendar) count(day int64) int64 {
	switch {
	case day < c.lo:
		return -c.pattern(day, c.lo)
	case day <= c.hi:
		return int64(c.cum[day-c.lo])
	default:
		return int64(c.cum[c.hi-c.lo]) + c.pattern(c.hi, day)
	}
}

// pattern counts the working days in [a, b), a <= b, outside the table.
func (c *Calendar) pattern(a, b int64) int64 {
	n := b - a
	return n/7*c.perWeek + c.partial[weekday(a)][n%7]
}

// nth returns the working day whose count is k: the kth working day after
// lo, counting from 0.
func (c *Calendar) nth(k int64) int64 {
	total := int64(c.cum[c.hi-c.lo])
	switch {
	case k >= 0 && k < total:
		return c.lo + int64(c.ord[k])
	case k >= total:
		m := k - total
		day := c.hi + m/c.perWeek*7
		for m %= c.perWeek; ; day++ {
			if !c.weekend[weekday(day)] {
				if m == 0 {
					return day
				}
				m--
			}
		}
	default:
		m := -k - 1
		day := c.lo - m/c.perWeek*7 - 1
		for m %= c.perWeek; ; day-- {
			if !c.weekend[weekday(day)] {
				if m == 0 {
					return day
				}
				m--
			}
		}
	}
}
