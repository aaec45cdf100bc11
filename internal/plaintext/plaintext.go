// Package plaintext checks the text people type for others to read (event
// reports, notices): kept and shown as text everywhere, it must not carry
// what a browser would parse as markup, nor invisible control characters.
package plaintext

import (
	"fmt"
	"regexp"
	"unicode"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
)

// markup catches what an HTML parser would take for the start of a tag, an
// end tag, a comment or a declaration: "<" right before a letter, "/", "!"
// or "?". Reports and notices never need one, and it would only ever be there to be
// rendered somewhere; "a < b > c" or "<5 m" is text to any parser.
var markup = regexp.MustCompile(`<[A-Za-z/!?]`)

// control finds a control character other than tab and line breaks, or a
// noncharacter XML cannot carry: invisible, and junk or U+FFFD in exports.
func control(v string) (rune, bool) {
	for _, r := range v {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) || r == 0xFFFE || r == 0xFFFF {
			return r, true
		}
	}
	return 0, false
}

// Check adds to fs why v is not acceptable as the text of field: missing
// when required, longer than max characters, not UTF-8, markup, or an
// invisible control character. Text with "<" or ">" that starts no tag is
// accepted; it is shown as text everywhere.
func Check(fs *apperr.Fields, field, v string, max int, required bool) {
	switch n := utf8.RuneCountInString(v); {
	case required && n == 0:
		fs.Add(field, "is required")
	case n > max:
		fs.Add(field, fmt.Sprintf("must be at most %d characters", max))
	case !utf8.ValidString(v):
		fs.Add(field, "must be UTF-8 text")
	case markup.MatchString(v):
		fs.Add(field, "must be plain text; HTML tags are not accepted")
	default:
		if r, ok := control(v); ok {
			fs.Add(field, fmt.Sprintf("must be plain text; control character %U is not accepted", r))
		}
	}
}
