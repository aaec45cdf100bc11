package workcal_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/workcal"
)

// The peer of every benchmark is the naive day-by-day walk (oracle_test.go),
// which is what a straightforward implementation costs: its time grows with
// the span, the table's does not.

var (
	sinkDuration time.Duration
	sinkTime     time.Time
	sinkFloat    float64
)

func BenchmarkWorkingDuration(b *testing.B) {
	c := workcal.Default()
	n := newNaive(c)
	spans := []struct{ name, from, to string }{
		{"same_day", "2026-03-04 09:10", "2026-03-04 16:20"},
		{"month", "2026-02-02 09:10", "2026-03-02 16:20"},
		{"year", "2025-06-02 09:10", "2026-06-01 16:20"},
		{"decade", "2020-01-02 09:10", "2030-01-02 16:20"},
	}
	for _, s := range spans {
		from, to := at(b, s.from), at(b, s.to)
		b.Run("span="+s.name+"/impl=table", func(b *testing.B) {
			for b.Loop() {
				sinkDuration = c.WorkingDuration(from, to)
			}
		})
		b.Run("span="+s.name+"/impl=naive", func(b *testing.B) {
			for b.Loop() {
				sinkDuration = n.workingDuration(from, to)
			}
		})
	}
}

func BenchmarkAddWorkingDuration(b *testing.B) {
	c := workcal.Default()
	n := newNaive(c)
	start := at(b, "2026-02-10 16:20") // runs into the Spring Festival
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"4h", 4 * time.Hour}, {"20_days", 20 * c.WorkdayLength()}} {
		b.Run("d="+d.name+"/impl=table", func(b *testing.B) {
			for b.Loop() {
				sinkTime = c.AddWorkingDuration(start, d.d)
			}
		})
		b.Run("d="+d.name+"/impl=naive", func(b *testing.B) {
			for b.Loop() {
				sinkTime = n.add(start, d.d)
			}
		})
	}
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := workcal.Default()
	start := at(b, "2026-02-10 16:20")
	for b.Loop() {
		sinkTime = c.AddWorkingDays(start, 20)
	}
}

func BenchmarkProgress(b *testing.B) {
	c := workcal.Default()
	start, deadline, now := at(b, "2026-02-10 16:20"), at(b, "2026-03-11 16:20"), at(b, "2026-03-02 10:00")
	for b.Loop() {
		sinkFloat = c.Progress(start, deadline, now)
	}
}

// BenchmarkYearOfEvents recomputes what the measures need for a year of a
// city's events (137,000): each event's deadline from its time limit, its
// handling time in working hours, and its progress. One op is the whole
// year; ns/event is the cost per event.
func BenchmarkYearOfEvents(b *testing.B) {
	const events = 137_000
	c := workcal.Default()
	n := newNaive(c)
	rng := rand.New(rand.NewPCG(1, 2))
	limits := []time.Duration{30 * time.Minute, 4 * time.Hour, 2 * c.WorkdayLength(), 20 * c.WorkdayLength()}
	year := at(b, "2026-01-01 00:00")
	type event struct {
		received, closed time.Time
		limit            time.Duration
	}
	evs := make([]event, events)
	for i := range evs {
		r := year.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		evs[i] = event{r, r.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))), limits[rng.IntN(len(limits))]}
	}
	b.Run("impl=table", func(b *testing.B) {
		for b.Loop() {
			for _, e := range evs {
				deadline := c.AddWorkingDuration(e.received, e.limit)
				sinkDuration = c.WorkingDuration(e.received, e.closed)
				sinkFloat = c.Progress(e.received, deadline, e.closed)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/events, "ns/event")
	})
	b.Run("impl=naive", func(b *testing.B) {
		for b.Loop() {
			for _, e := range evs {
				deadline := n.add(e.received, e.limit)
				total := n.workingDuration(e.received, deadline)
				sinkDuration = n.workingDuration(e.received, e.closed)
				sinkFloat = float64(sinkDuration) / float64(total)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/events, "ns/event")
	})
}

// BenchmarkDefault is the cost of building the compiled-in calendar.
func BenchmarkDefault(b *testing.B) {
	for b.Loop() {
		if workcal.Default() == nil {
			b.Fatal("nil calendar")
		}
	}
}
