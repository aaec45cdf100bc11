package workforce

import (
	"strconv"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// FuzzOccurredAt: any text is either refused naming occurred_at, or read
// as a time no more than the clock skew ahead and no more than 7 days back.
func FuzzOccurredAt(f *testing.F) {
	now := time.Date(2026, 6, 3, 1, 0, 0, 0, time.UTC)
	s := &Service{cfg: Config{ClockSkew: 5 * time.Minute}, now: func() time.Time { return now }}
	for _, seed := range []string{"", " ", "2026-06-02T08:00:00+08:00", "2026-06-03T01:04:59Z", "2026-06-03T01:05:01Z",
		"2026-05-27T01:00:00Z", "2026-05-27T00:59:59Z", "2026-06-02 08:00", "2026-06-02T08:00:00", "yesterday"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := s.occurredAt(v)
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "occurred_at" {
				t.Fatalf("occurredAt(%q) = %v, want a refusal naming occurred_at", v, err)
			}
			return
		}
		if got == nil {
			return // not given
		}
		if got.After(now.Add(5*time.Minute)) || got.Before(now.Add(-7*24*time.Hour)) || got.Location() != time.UTC {
			t.Fatalf("occurredAt(%q) = %v, outside the window or not UTC", v, got)
		}
	})
}

func TestOccurredAtWindow(t *testing.T) {
	now := time.Date(2026, 6, 3, 1, 0, 0, 0, time.UTC)
	s := &Service{cfg: Config{ClockSkew: 5 * time.Minute}, now: func() time.Time { return now }}
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC, "" for not given, "refused"
	}{
		{"", ""},
		{"2026-06-03T09:00:00+08:00", "2026-06-03T01:00:00Z"},
		{"2026-06-03T01:05:00Z", "2026-06-03T01:05:00Z"},
		{"2026-06-03T01:05:01Z", "refused"},
		{"2026-05-27T01:00:00Z", "2026-05-27T01:00:00Z"},
		{"2026-05-27T00:59:59Z", "refused"},
		{"2026-06-03T01:00:00", "refused"},
	} {
		got, err := s.occurredAt(tc.in)
		switch {
		case tc.want == "refused":
			if err == nil {
				t.Errorf("occurredAt(%q) = %v, want refused", tc.in, got)
			}
		case err != nil:
			t.Errorf("occurredAt(%q): %v", tc.in, err)
		case tc.want == "" && got != nil, tc.want != "" && (got == nil || got.Format(time.RFC3339) != tc.want):
			t.Errorf("occurredAt(%q) = %v, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzUploadID: a reference is an upload id only when it is all digits and
// a positive int64, and then it reads back as itself.
func FuzzUploadID(f *testing.F) {
	for _, seed := range []string{"17", "0", "007", "att-1", "", "-3", "99999999999999999999", "１７"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		id, ok := uploadID(ref)
		n, err := strconv.ParseInt(ref, 10, 64)
		digits := ref != ""
		for _, r := range ref {
			digits = digits && r >= '0' && r <= '9'
		}
		if want := digits && err == nil && n > 0; ok != want || (ok && id != n) {
			t.Fatalf("uploadID(%q) = %d, %v", ref, id, ok)
		}
	})
}
