package calendar

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Units of a time limit, as the category limits spell them.
const (
	Hours = "hours"
	Days  = "days"
)

// Bounds of a limit, those of the category limits: they catch typing
// mistakes.
const (
	maxLimitHours = 2000
	maxLimitDays  = 365
)

// Deadline is the end of a time limit counted in working time.
type Deadline struct {
	From   time.Time `json:"from"`
	Amount float64   `json:"amount"`
	Unit   string    `json:"unit"`
	// At is the deadline in UTC; Local the same instant on the calendar's
	// clock, for reading.
	At       time.Time `json:"deadline"`
	Local    string    `json:"local"`
	TimeZone string    `json:"time_zone"`
	Version  int64     `json:"version"`
}

// Deadline counts a limit from a moment the way the event loop does: N
// working hours with AddWorkingDuration, N working days (whole) with
// AddWorkingDays, against the current calendar.
func (s *Service) Deadline(ctx context.Context, from time.Time, amount float64, unit string) (Deadline, error) {
	var fs apperr.Fields
	switch unit {
	case Hours:
		if !(amount > 0 && amount <= maxLimitHours) {
			fs.Add("amount", fmt.Sprintf("must be more than 0 and at most %d hours", maxLimitHours))
		}
	case Days:
		if !(amount > 0 && amount <= maxLimitDays) || amount != math.Trunc(amount) {
			fs.Add("amount", fmt.Sprintf("must be whole days, from 1 to %d", maxLimitDays))
		}
	default:
		fs.Add("unit", "must be hours or days")
	}
	if err := fs.Err(); err != nil {
		return Deadline{}, err
	}
	snap, err := s.held.Get(ctx)
	if err != nil {
		return Deadline{}, err
	}
	var at time.Time
	if unit == Days {
		at = snap.cal.AddWorkingDays(from, int(amount))
	} else {
		at = snap.cal.AddWorkingDuration(from, time.Duration(amount*float64(time.Hour)))
	}
	return Deadline{From: from.UTC(), Amount: amount, Unit: unit, At: at.UTC(), Local: at.In(snap.cal.Location()).Format(time.RFC3339),
		TimeZone: snap.settings.TimeZone, Version: snap.version}, nil
}
