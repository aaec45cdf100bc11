package event

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tokens sort by the time of their report, differ within one millisecond,
// and keep 96 random bits.
func TestNewTokenSortsByTimeAndStaysRandom(t *testing.T) {
	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	shape := regexp.MustCompile(`^[0-9a-f]{36}$`)
	var tokens []string
	seen := map[string]bool{}
	for i := range 2000 {
		at := start.Add(time.Duration(i/4) * time.Millisecond) // four to a millisecond
		tok := newToken(at)
		if !shape.MatchString(tok) {
			t.Fatalf("token %q is not 36 lower-case hex digits", tok)
		}
		if seen[tok] || seen[tok[12:]] {
			t.Fatalf("token %q repeats", tok)
		}
		seen[tok], seen[tok[12:]] = true, true
		tokens = append(tokens, tok)
	}
	// Every token sorts after those of earlier milliseconds.
	for i := 4; i < len(tokens); i += 4 {
		if tokens[i-1] >= tokens[i] {
			t.Fatalf("token %q of a later millisecond sorts before %q", tokens[i], tokens[i-1])
		}
	}
	if !slices.IsSortedFunc(tokens, func(a, b string) int { return strings.Compare(a[:12], b[:12]) }) {
		t.Fatal("the tokens' time parts are not in the order of their reports")
	}
	// The random part is not a counter: the tokens of one millisecond do
	// not share their random digits' first half.
	if tokens[0][12:24] == tokens[1][12:24] && tokens[1][12:24] == tokens[2][12:24] {
		t.Fatalf("tokens of one millisecond share their random part: %q %q %q", tokens[0], tokens[1], tokens[2])
	}
}
