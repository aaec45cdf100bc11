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
	re      *regexp.Regexp
	out     []piece
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
		p := &pattern{english: e.English, prefix: lits[0], suffix: lits[len(lits)-1], literal: len(strings.Join(lits, "")),
			re: regexp.MustCompile(re.String()), out: out}
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
func (c *Catalog) Lookup(reason string) (string, bool) {
	if zh, ok := c.exact[reason]; ok {
		return zh, true
	}
	if w, ok := firstWord(reason); ok {
		if zh, ok := match(c.byWord[w], reason); ok {
			return zh, true
		}
	}
	if zh, ok := match(c.loose, reason); ok {
		return zh, true
	}
	return reason, false
}

func match(ps []*pattern, reason string) (string, bool) {
	for _, p := range ps {
		if !strings.HasPrefix(reason, p.prefix) || !strings.HasSuffix(reason, p.suffix) {
			continue
		}
		m := p.re.FindStringSubmatch(reason)
		if m == nil {
			continue
		}
		var b strings.Builder
		for _, pc := range p.out {
			if pc.arg < 0 {
				b.WriteString(pc.text)
			} else {
				b.WriteString(m[pc.arg+1])
			}
		}
		return b.String(), true
	}
	return "", false
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
