// Package zhreason words in Simplified Chinese the refusals the API gives in
// English: the reasons for which a registry import rejects a row, and the
// detail and field messages of the API's problem documents.
//
// The refusals are made with fmt in the packages that check a request or a
// row. A Catalog holds the same format strings, each with its Chinese
// wording, and matches a whole refusal against them: the values it
// carries (a house code, a count, a quoted cell) are carried over into the
// Chinese text as they were printed. A refusal the catalog does not know is
// returned as it is, never half translated. New holds the import's reasons,
// NewAPI those and the rest of the API's, area by area.
//
// A refusal may print another one: a bulk load's "row 3: …", a boundary's
// "invalid geometry: …" and the problems and ring names within it. So a
// value printed by %s is itself worded when the catalog knows it as a
// whole, down to a few levels (see Catalog.Lookup); one printed by %q (what
// the user typed), %d or %v is carried over as it is. Only an entry whose
// literal text holds a space and at least four letters words such a value:
// a code (a house code, a grid code, a kind) has no space, so it is never
// taken for a message, nor is a value that a general format such as
// "%s: %s" would match. A value that is no message as a whole may be a list
// of them joined by "; ", each worded on its own and joined by "；".
package zhreason

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/registry"
)

// Entry is one reason: its English format, as given to fmt, and its Chinese
// wording. The Chinese text uses the same verbs in the order of the English
// arguments, or names them by explicit index ("%[2]s") to reorder them.
type Entry struct {
	English string
	Chinese string
}

// Catalog words reasons in Chinese. It is built once and only read
// afterwards, so one Catalog serves any number of goroutines.
type Catalog struct {
	exact map[string]string
	// byWord holds the formats with arguments under the first word of their
	// literal prefix, loose those whose first argument comes before any space.
	byWord  map[string][]*pattern
	loose   []*pattern
	english []string
}

type pattern struct {
	english string
	prefix  string // literal text before the first argument
	suffix  string // literal text after the last argument
	literal int    // bytes of literal text in all
	nests   bool   // it may word a value another refusal prints
	verbs   []byte // the verb of each argument
	re      *regexp.Regexp
	out     []piece
}

// maxNesting is how many refusals deep a value printed by %s is worded:
// a boundary's refusal prints its problem, which prints a detail, which
// prints the names of its rings.
const maxNesting = 5

// maxListPart is the most parts, split at "; ", that one message of a list
// may span: a message holds a "; " of its own at most once or twice.
const maxListPart = 3

// nestable reports whether an entry with the literal text lit may word a
// value printed inside another refusal: lit holds a space, which no code
// does, and enough letters that a separator (": ", " - ") is not enough.
func nestable(lit string) bool {
	letters := 0
	for _, r := range lit {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			letters++
		}
	}
	return strings.Contains(lit, " ") && letters >= 4
}

// piece is a part of a Chinese wording: literal text, or argument arg (0-based).
type piece struct {
	text string
	arg  int
}

// New returns the catalog of every reason a registry import can give a row.
func New() *Catalog {
	c, err := Compile(Entries())
	if err != nil {
		panic(err) // the catalog is fixed: its tests compile it
	}
	return c
}

// Compile builds a catalog from entries. It refuses a format with a verb
// it cannot match, and a Chinese wording that names an argument the
// English format does not have.
func Compile(entries []Entry) (*Catalog, error) {
	c := &Catalog{exact: map[string]string{}, byWord: map[string][]*pattern{}}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.English] {
			return nil, fmt.Errorf("zhreason: %q given twice", e.English)
		}
		seen[e.English] = true
		c.english = append(c.english, e.English)
		lits, verbs, err := splitFormat(e.English)
		if err != nil {
			return nil, err
		}
		if len(verbs) == 0 {
			c.exact[lits[0]] = unescape(e.Chinese)
			continue
		}
		var re strings.Builder
		re.WriteString(`^`)
		for i, v := range verbs {
			re.WriteString(regexp.QuoteMeta(lits[i]))
			re.WriteString(verbPattern(v))
		}
		re.WriteString(regexp.QuoteMeta(lits[len(lits)-1]) + `$`)
		out, err := compileWording(e.Chinese, len(verbs))
		if err != nil {
			return nil, fmt.Errorf("zhreason: %q: %w", e.English, err)
		}
		lit := strings.Join(lits, "")
		p := &pattern{english: e.English, prefix: lits[0], suffix: lits[len(lits)-1], literal: len(lit),
			nests: nestable(lit), verbs: verbs, re: regexp.MustCompile(re.String()), out: out}
		if w, ok := firstWord(p.prefix); ok {
			c.byWord[w] = append(c.byWord[w], p)
		} else {
			c.loose = append(c.loose, p)
		}
	}
	for _, ps := range c.byWord {
		bySpecificity(ps)
	}
	bySpecificity(c.loose)
	return c, nil
}

// bySpecificity puts the formats with more literal text first, so that a
// reason two formats match ("is %d, the category is at %d" and "is %d, the
// %s is at %d") takes the wording written for it, whatever the order of
// the entries, which several files contribute.
func bySpecificity(ps []*pattern) {
	slices.SortStableFunc(ps, func(a, b *pattern) int { return b.literal - a.literal })
}

// Formats returns the English formats of the catalog, in its order.
func (c *Catalog) Formats() []string { return append([]string(nil), c.english...) }

// Chinese returns the Chinese wording of reason, or reason itself when the
// catalog does not know it.
func (c *Catalog) Chinese(reason string) string {
	zh, _ := c.Lookup(reason)
	return zh
}

// Lookup returns the Chinese wording of reason and true, or reason and
// false when no format of the catalog matches the whole reason.
//
// In the wording, a value the format prints with %s is worded in turn when
// an entry that may nest (its literal text has a space and four letters)
// matches the whole value, or, failing that, each message of a list the
// value joins with "; ", to maxNesting levels; otherwise it is carried over
// as printed, like every value printed with %q, %d, %v or another verb.
func (c *Catalog) Lookup(reason string) (string, bool) {
	zh, ok, _ := c.lookup(reason, 0)
	return zh, ok
}

// lookup words reason, printed depth levels deep: at depth 0 it is the
// whole refusal, below only the entries that may nest word it. It counts
// the values within that look like English words (letters and a space)
// and were left as printed, which tell a wrong reading of a list.
func (c *Catalog) lookup(reason string, depth int) (zh string, ok bool, left int) {
	if zh, ok := c.exact[reason]; ok && (depth == 0 || nestable(reason)) {
		return zh, true, 0
	}
	if w, ok := firstWord(reason); ok {
		if zh, left, ok := c.match(c.byWord[w], reason, depth); ok {
			return zh, true, left
		}
	}
	if zh, left, ok := c.match(c.loose, reason, depth); ok {
		return zh, true, left
	}
	return reason, false, 0
}

func (c *Catalog) match(ps []*pattern, reason string, depth int) (zh string, left int, ok bool) {
	for _, p := range ps {
		if depth > 0 && !p.nests {
			continue
		}
		if !strings.HasPrefix(reason, p.prefix) || !strings.HasSuffix(reason, p.suffix) {
			continue
		}
		m := p.re.FindStringSubmatch(reason)
		if m == nil {
			continue
		}
		var b strings.Builder
		for _, pc := range p.out {
			switch {
			case pc.arg < 0:
				b.WriteString(pc.text)
			case p.verbs[pc.arg] == 's':
				zh, n := c.nested(m[pc.arg+1], depth+1)
				b.WriteString(zh)
				left += n
			default:
				b.WriteString(m[pc.arg+1])
			}
		}
		return b.String(), left, true
	}
	return "", 0, false
}

// nested words a value printed by %s depth levels deep: as a list of
// messages joined by "; ", or as a whole message, whichever leaves fewer
// English words, else as it was printed. It returns how many values that
// look like English words it left.
func (c *Catalog) nested(v string, depth int) (string, int) {
	left := 0
	if strings.Contains(v, " ") && strings.ContainsFunc(v, isLetter) {
		left = 1
	}
	if depth > maxNesting {
		return v, left
	}
	zh, ok, n := c.lookup(v, depth)
	if lz, lok, ln := c.list(v, depth); lok && (!ok || ln <= n) {
		return lz, ln
	}
	if ok {
		return zh, n
	}
	return v, left
}

func isLetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

// list words v as messages joined by "; ", each worded whole and joined by
// "；". A message may hold "; " itself, and a message's %s may take in the
// next ones, so of the ways to read v as such a list the one that leaves
// the fewest English words is taken, then the one of shortest messages
// first. It reports false when v is no list of at least two messages.
func (c *Catalog) list(v string, depth int) (zh string, ok bool, left int) {
	parts := strings.Split(v, "; ")
	if len(parts) < 2 {
		return "", false, 0
	}
	// rest[i] words parts[i:], leaving English words lefts[i], when ok[i]:
	// they are messages.
	n := len(parts)
	rest := make([]string, n+1)
	lefts := make([]int, n+1)
	oks := make([]bool, n+1)
	oks[n] = true
	for i := n - 1; i >= 0; i-- {
		for j := i + 1; j <= min(n, i+maxListPart); j++ {
			if !oks[j] || i == 0 && j == n {
				continue // the whole value is not a list of one
			}
			zh, found, l := c.lookup(strings.Join(parts[i:j], "; "), depth)
			if !found || oks[i] && l+lefts[j] >= lefts[i] {
				continue
			}
			if j < n {
				zh += "；" + rest[j]
			}
			rest[i], lefts[i], oks[i] = zh, l+lefts[j], true
		}
	}
	return rest[0], oks[0], lefts[0]
}

// RowErrors returns a copy of rows with their reasons in Chinese. A report
// repeats few distinct reasons many times, so each is matched once.
func (c *Catalog) RowErrors(rows []registry.RowError) []registry.RowError {
	out := make([]registry.RowError, len(rows))
	seen := map[string]string{}
	for i, r := range rows {
		zh, ok := seen[r.Reason]
		if !ok {
			zh = c.Chinese(r.Reason)
			seen[r.Reason] = zh
		}
		r.Reason = zh
		out[i] = r
	}
	return out
}

// firstWord is the text before the first space of s, when s has one.
func firstWord(s string) (string, bool) {
	w, _, ok := strings.Cut(s, " ")
	return w, ok
}

// splitFormat splits a format into its literal parts (one more than the
// verbs) and its verbs, "%%" read as a literal percent sign.
func splitFormat(f string) (lits []string, verbs []byte, err error) {
	var lit strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			lit.WriteByte(f[i])
			continue
		}
		if i+1 == len(f) {
			return nil, nil, fmt.Errorf("zhreason: %q ends in %%", f)
		}
		i++
		if f[i] == '%' {
			lit.WriteByte('%')
			continue
		}
		if verbPattern(f[i]) == "" {
			return nil, nil, fmt.Errorf("zhreason: %q: verb %%%c is not matched (use %%s %%d %%q %%v %%c %%g %%U)", f, f[i])
		}
		lits = append(lits, lit.String())
		lit.Reset()
		verbs = append(verbs, f[i])
	}
	return append(lits, lit.String()), verbs, nil
}

// verbPattern is what a verb prints, as a regular expression group.
func verbPattern(v byte) string {
	switch v {
	case 's', 'v':
		return `(.+?)`
	case 'd':
		return `([+-]?[0-9]+)`
	case 'q':
		return `("(?:[^"\\]|\\.)*")`
	case 'c':
		return `(.)`
	case 'g':
		return `([+-]?(?:Inf|NaN|[0-9.]+(?:e[+-][0-9]+)?))`
	case 'U':
		return `(U\+[0-9A-F]{4,6})`
	}
	return ""
}

// compileWording reads a Chinese wording: its verbs take the English
// arguments in order, or by explicit index.
func compileWording(w string, n int) ([]piece, error) {
	var out []piece
	var lit strings.Builder
	next := 0
	for i := 0; i < len(w); i++ {
		if w[i] != '%' {
			lit.WriteByte(w[i])
			continue
		}
		if i+1 < len(w) && w[i+1] == '%' {
			lit.WriteByte('%')
			i++
			continue
		}
		arg := next
		if i+1 < len(w) && w[i+1] == '[' {
			end := strings.IndexByte(w[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed argument index in %q", w)
			}
			k, err := strconv.Atoi(w[i+2 : i+end])
			if err != nil || k < 1 {
				return nil, fmt.Errorf("bad argument index in %q", w)
			}
			arg = k - 1
			i += end
		}
		if i+1 >= len(w) || verbPattern(w[i+1]) == "" {
			return nil, fmt.Errorf("bad verb in %q", w)
		}
		i++
		if arg >= n {
			return nil, fmt.Errorf("%q names argument %d of %d", w, arg+1, n)
		}
		out = append(out, piece{text: lit.String(), arg: -1}, piece{arg: arg})
		lit.Reset()
		next = arg + 1
	}
	return append(out, piece{text: lit.String(), arg: -1}), nil
}

// unescape reads "%%" in a wording without arguments as "%".
func unescape(w string) string { return strings.ReplaceAll(w, "%%", "%") }
