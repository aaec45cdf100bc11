package tabular

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Field is a column an import expects, matched by its Name or any of its Aliases.
type Field struct {
	Name     string
	Aliases  []string
	Required bool
}

// Columns records where each field's column is in a header row.
type Columns struct {
	index map[string]int    // field name → 0-based column
	label map[string]string // field name → the header cell as written
}

// HeaderError lists everything wrong with a header row, so a clerk can fix it in one go.
type HeaderError struct {
	Missing   []string // required fields without a column, described with their aliases
	Unknown   []string // header cells that match no field, with their column letter
	Duplicate []string // header cells naming a field that an earlier column already gave
}

// Error lists the problems in plain words.
func (e *HeaderError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required columns: "+strings.Join(e.Missing, ", "))
	}
	if len(e.Unknown) > 0 {
		parts = append(parts, "unknown columns: "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Duplicate) > 0 {
		parts = append(parts, "columns given twice: "+strings.Join(e.Duplicate, ", "))
	}
	return "the header row does not match the template: " + strings.Join(parts, "; ")
}

// MapHeader finds each field's column; a *HeaderError names every missing, unknown or repeated column.
func MapHeader(header []string, fields []Field) (Columns, error) {
	// Cells match ignoring case, spaces (full-width ones too), full-width
	// letters, "*" marks and a bracketed note such as "姓名（必填）", as
	// templates vary in all of these. Blank header cells are ignored. With a
	// *HeaderError the Columns still map what was recognised, for callers
	// that tolerate extra columns.
	byKey := make(map[string]string) // normalised name or alias → field name
	for _, f := range fields {
		if strings.TrimSpace(f.Name) == "" {
			return Columns{}, errors.New("tabular: a field has no name")
		}
		for _, a := range append([]string{f.Name}, f.Aliases...) {
			k := normalizeHeader(a)
			if k == "" {
				return Columns{}, fmt.Errorf("tabular: field %q has an empty alias", f.Name)
			}
			if other, ok := byKey[k]; ok && other != f.Name {
				return Columns{}, fmt.Errorf("tabular: fields %q and %q both accept the header %q", other, f.Name, a)
			}
			byKey[k] = f.Name
		}
	}
	c := Columns{index: make(map[string]int), label: make(map[string]string)}
	var herr HeaderError
	for i, h := range header {
		k := normalizeHeader(h)
		if k == "" {
			continue
		}
		name, ok := byKey[k]
		switch {
		// A column is named by its header and its letter alone, which read
		// the same in a Chinese wording of the error as in English.
		case !ok:
			herr.Unknown = append(herr.Unknown, fmt.Sprintf("%s (%s)", strings.TrimSpace(h), ColumnLetter(i)))
		case c.Has(name):
			herr.Duplicate = append(herr.Duplicate, fmt.Sprintf("%s (%s, %s)", strings.TrimSpace(h), ColumnLetter(c.index[name]), ColumnLetter(i)))
		default:
			c.index[name] = i
			c.label[name] = strings.TrimSpace(h)
		}
	}
	for _, f := range fields {
		if f.Required && !c.Has(f.Name) {
			herr.Missing = append(herr.Missing, describeField(f))
		}
	}
	if len(herr.Missing)+len(herr.Unknown)+len(herr.Duplicate) > 0 {
		return c, &herr
	}
	return c, nil
}

// describeField names a field with the headers it accepts, e.g.
// "id_number (身份证号/公民身份号码)".
func describeField(f Field) string {
	if len(f.Aliases) == 0 {
		return f.Name
	}
	return f.Name + " (" + strings.Join(f.Aliases, "/") + ")"
}

// bracketPairs are the brackets a template may put a note in after a
// header, e.g. "出生日期(yyyy-mm-dd)" or "姓名【必填】"; full-width round
// and square brackets are folded to these before matching.
var bracketPairs = [...][2]rune{{'(', ')'}, {'[', ']'}, {'【', '】'}, {'〔', '〕'}}

// normalizeHeader reduces a header cell to the form names are compared in:
// full-width folded to half-width, without spaces, lower-cased, without
// bracketed notes at the end and without the "*" that marks required
// columns in many templates.
func normalizeHeader(s string) string {
	s = width.Fold.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\uFEFF' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	for {
		before := s
		s = strings.Trim(s, "*:")
		for _, p := range bracketPairs {
			if strings.HasSuffix(s, string(p[1])) {
				if i := strings.LastIndex(s, string(p[0])); i > 0 {
					s = s[:i]
				}
			}
		}
		if s == before {
			return s
		}
	}
}

// Get returns the field's cell in row, or "" when there is no such column or the row is shorter.
func (c Columns) Get(row Row, field string) string {
	i, ok := c.index[field]
	if !ok || i >= len(row.Cells) {
		return ""
	}
	return row.Cells[i]
}

// Has reports whether the header had a column for the field.
func (c Columns) Has(field string) bool {
	_, ok := c.index[field]
	return ok
}

// Index returns the 0-based column of the field, or -1 when it has none.
func (c Columns) Index(field string) int {
	if i, ok := c.index[field]; ok {
		return i
	}
	return -1
}

// Label returns the field's header cell as written (for error reports), or the field name.
func (c Columns) Label(field string) string {
	if l, ok := c.label[field]; ok {
		return l
	}
	return field
}

// ColumnLetter returns the spreadsheet letters of a 0-based column: A … Z, AA, AB, …
func ColumnLetter(i int) string {
	if i < 0 {
		return "?"
	}
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append(b, byte('A'+(i-1)%26))
	}
	for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
		b[l], b[r] = b[r], b[l]
	}
	return string(b)
}
