package workforce

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Schedule is when a worker is expected on duty: days of the week
// (0 = Sunday … 6 = Saturday, as in the calendar settings) and the hours of
// a working day. A check-in after Start is late, a check-out before End
// early.
type Schedule struct {
	Days  []int  `json:"days"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// DefaultSchedule is Monday to Friday, 08:30–17:30.
func DefaultSchedule() Schedule {
	return Schedule{Days: []int{1, 2, 3, 4, 5}, Start: "08:30", End: "17:30"}
}

// check validates a schedule, naming fields under prefix.
func (sc *Schedule) check(prefix string, fs *apperr.Fields) {
	if len(sc.Days) == 0 {
		fs.Add(prefix+".days", "give at least one day of the week (0 = Sunday … 6 = Saturday)")
	}
	seen := map[int]bool{}
	for i, d := range sc.Days {
		switch {
		case d < 0 || d > 6:
			fs.Add(fmt.Sprintf("%s.days[%d]", prefix, i), "must be a day of the week from 0 (Sunday) to 6 (Saturday)")
		case seen[d]:
			fs.Add(fmt.Sprintf("%s.days[%d]", prefix, i), fmt.Sprintf("day %d is given twice", d))
		}
		seen[d] = true
	}
	start, err1 := workcal.ParseTimeOfDay(sc.Start)
	if err1 != nil {
		fs.Add(prefix+".start", err1.Error())
	}
	end, err2 := workcal.ParseTimeOfDay(sc.End)
	if err2 != nil {
		fs.Add(prefix+".end", err2.Error())
	}
	if err1 == nil && err2 == nil && end <= start {
		fs.Add(prefix+".end", "must be after start")
	}
	slices.Sort(sc.Days)
}

// encode is the stored form, "1,2,3,4,5 08:30 17:30".
func (sc Schedule) encode() string {
	days := make([]string, len(sc.Days))
	for i, d := range sc.Days {
		days[i] = strconv.Itoa(d)
	}
	return strings.Join(days, ",") + " " + sc.Start + " " + sc.End
}

// decodeSchedule reads the stored form; "" is the default schedule (nil).
func decodeSchedule(s string) (*Schedule, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Fields(s)
	if len(parts) != 3 {
		return nil, fmt.Errorf("stored schedule %q", s)
	}
	sc := &Schedule{Start: parts[1], End: parts[2]}
	for _, d := range strings.Split(parts[0], ",") {
		n, err := strconv.Atoi(d)
		if err != nil {
			return nil, fmt.Errorf("stored schedule %q", s)
		}
		sc.Days = append(sc.Days, n)
	}
	return sc, nil
}

// scheduleOf is the schedule a worker keeps: their own or the default.
func (s *Service) scheduleOf(own *Schedule) Schedule {
	if own != nil {
		return *own
	}
	return s.cfg.Schedule
}

// scheduled reports whether a worker with the given schedule (nil: the
// default) is due on day d. Public holidays of the calendar are off for
// everyone; its make-up working days (调休) are due for those on the
// default schedule, whose days follow the office week.
func (s *Service) scheduled(own *Schedule, d workcal.Date) bool {
	if cal := s.calendar(); cal != nil {
		if o, ok := cal.Override(d); ok {
			if o.IsOffDay {
				return false
			}
			if own == nil {
				return true
			}
		}
	}
	return slices.Contains(s.scheduleOf(own).Days, int(d.Weekday()))
}

// clockOf is the wall-clock time of day of t in the service's zone.
func (s *Service) clockOf(t time.Time) workcal.TimeOfDay {
	l := t.In(s.location())
	return workcal.Clock(l.Hour(), l.Minute(), l.Second())
}

// dayOf is the local date t counts for.
func (s *Service) dayOf(t time.Time) workcal.Date { return workcal.DateOf(t.In(s.location())) }
