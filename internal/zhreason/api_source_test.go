package zhreason

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The packages whose refusals workforceAPI and peopleAPI word, with the
// helpers each builds a message through: a call's argument (refuse's
// format, reject's reason) or a type's first field, or what a function
// returns.
var sources = map[string]helpers{
	"workforce": {calls: map[string]helper{"refusal": {arg: 1}}, returns: []string{"unboundReason"}},
	"registry":  {},
	"auth":      {calls: map[string]helper{"displayEnded": {}}, returns: []string{"ValidatePassword"}},
	"region":    {},
	"gridmap": {
		calls:   map[string]helper{"reject": {}},
		returns: []string{"check", "checkPositions", "parseBoundary", "repeat"},
		wraps:   []string{"checkCoordinates"},
	},
	"geo":    {calls: map[string]helper{"refuse": {arg: 1, format: true}}, returns: []string{"String"}},
	"idcard": {calls: map[string]helper{"refuse": {format: true}}},
	"pii":    {calls: map[string]helper{"refuse": {format: true}}},
	"tabular": {
		calls:   map[string]helper{"damaged": {prefix: "the .xlsx file is damaged or incomplete: "}},
		returns: []string{"describeParseError", "Error"},
	},
	"spatial": {},
}

type helpers struct {
	calls   map[string]helper
	returns []string // functions that return a message
	wraps   []string // functions whose errors wrapped with %w are messages
}

type helper struct {
	arg    int    // the argument that holds the message
	format bool   // the argument is a format with the call's further arguments
	prefix string // what the helper writes before the message
}

// notShown are formats the scan finds that never reach an API client as a
// refusal: programmer errors, sentinels and what the server logs.
var notShown = []string{
	// workforce
	"attendance: unknown kind %q",
	"track batch of %d bytes is not whole points",
	"purge tracks: retention %s must be positive",
	"device write claimed concurrently",
	"stored schedule %q",
	"bulk workers: %d of %d devices are bound already; the workers were not stored by one load",
	"elderly_alone", // why a visit is suggested, a code the app names
	// registry
	"import: a stored row changed meanwhile",
	"not a first load",
	"sampling round exists",
	"sampling round overlaps another",
	"sampling job: records per grid must be between 1 and %d, got %d",
	// auth
	"stored password hash is malformed",
	"%s", // passes on why a display session ended, worded where it is made
	// region
	"unknown level %d",
	"invalid level %d",
	// gridmap
	"import refused",
	"decode boundary: stored %s, want a multipolygon",
	// geo
	"stop search",
	"overlap share: the grid boundary has no area",
	"coverage: minimum area %v m² is not a non-negative number",
	"coverage: the parent boundary has no area",
	// tabular
	"tabular: a field has no name",
	"tabular: field %q has an empty alias",
	"tabular: fields %q and %q both accept the header %q",
	"tabular: negative file size %d",
	"tabular: Next after Close",
	"tabular: write after Close",
}

// leftOut are refusals built from parts the catalog cannot word one by
// one: a message that joins other messages, or names a place in English
// words of its own (geo's rings, bulk loads' rows).
var leftOut = []string{
	// workforce: a bulk load prefixes the refusal of one of its rows.
	"%s %d: %s",
	// registry: a bad row of a file, as tabular words it.
	"row %d: %s",
	// gridmap: a feature the GeoJSON decoder refuses, in its words; a part of
	// a GeometryCollection; a boundary's fatal problems, joined.
	"not a GeoJSON feature: %s",
	"geometry %d: %s",
	"invalid geometry: %s",
	// geo: the problems of a boundary name its rings in English.
	"%s (ring %d): %s",
	"%s: %s", // a problem's kind and detail; a region import's field and reason
	"%s doubles back on itself at %s",
	"%s %s itself at %s",
	"%s %s %s at %s",
	"%s passes from inside to outside the outer ring where they touch",
	"%s lies outside the outer ring",
	"%s and %s overlap or lie one inside the other",
	"polygon %d and polygon %d overlap or lie one inside the other",
	"%s: point %d has a coordinate that is not a finite number",
	"%s: point %d (%v, %v) is not a longitude, latitude pair (are they swapped, or projected metres?)",
	"%s: the last point differs from the first, so the ring is not closed",
	"%s has %d distinct corners; a ring needs at least 3",
	"the geometry is a %s; a boundary must be a Polygon or MultiPolygon",
	"the boundary has %d points, more than the %d allowed; simplify it first",
	"no geometry was given",
	"the MultiPolygon has no polygons",
	"%s has no rings",
	"too many edges overlap each other to check the boundary; simplify it or split it into smaller parts",
	// tabular: an .xlsx file damaged in a way its zip reader words.
	"the .xlsx file is damaged or incomplete: %s",
}

// TestEveryAPIRefusalIsWorded reads the source of the packages above and
// checks that each message they refuse with has a Chinese wording: the
// same format, or formats of the catalog that spell out its %s (a
// check-in or a check-out, a level of the region tree).
func TestEveryAPIRefusalIsWorded(t *testing.T) {
	var english []string
	for _, e := range API() {
		english = append(english, e.English)
	}
	known := map[string]bool{}
	for _, f := range slices.Concat(english, notShown, leftOut) {
		known[f] = true
	}
	used := map[string]bool{}
	for _, m := range scanSources(t) {
		used[m.format] = true
		if known[m.format] || slices.ContainsFunc(english, func(g string) bool { return spells(g, m.format) }) {
			continue
		}
		t.Errorf("%s: %q has no Chinese wording", m.pos, m.format)
	}
	for _, f := range slices.Concat(notShown, leftOut) {
		if !used[f] {
			t.Errorf("%q is listed as not worded, but no source gives it", f)
		}
	}
}

// TestEveryAPIWordingIsUsed checks the other way round: each format of the
// two slices is one the source gives, or spells one out, so that a format
// mistyped or no longer given does not sit in the catalog unnoticed.
func TestEveryAPIWordingIsUsed(t *testing.T) {
	var given []string
	for _, m := range scanSources(t) {
		given = append(given, m.format)
	}
	for _, e := range slices.Concat(workforceAPI, peopleAPI) {
		if !slices.ContainsFunc(given, func(f string) bool { return f == e.English || spells(e.English, f) }) {
			t.Errorf("%q is given by no source", e.English)
		}
	}
}

func scanSources(t *testing.T) []message {
	t.Helper()
	var ms []message
	for pkg, h := range sources {
		for _, m := range scanPackage(t, filepath.Join("..", pkg), h) {
			m.pos = pkg + "/" + m.pos
			ms = append(ms, m)
		}
	}
	return ms
}

// spells reports whether format g is format f with some of its verbs
// spelt out ("one check-in a day counts" of "one %s a day counts"). A
// format of verbs and little else ("%s: %s") is spelt out by nothing.
func spells(g, f string) bool {
	if g == f {
		return false
	}
	re, ok := spelt[f]
	if !ok {
		if lits, n := splitVerbs(f); n > 0 && len(strings.Join(lits, "")) >= 8 {
			for i, l := range lits {
				lits[i] = regexp.QuoteMeta(l)
			}
			re = regexp.MustCompile("^" + strings.Join(lits, ".+") + "$")
		}
		spelt[f] = re
	}
	return re != nil && re.MatchString(g)
}

// spelt caches what spells compiles: nil for a format nothing spells out.
var spelt = map[string]*regexp.Regexp{}

// splitVerbs splits a format at its verbs, "%%" kept as literal text.
func splitVerbs(f string) (lits []string, n int) {
	var lit strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 < len(f) && f[i+1] == '%' {
			lit.WriteByte(f[i])
			if f[i] == '%' {
				lit.WriteByte('%')
				i++
			}
			continue
		}
		for i++; i < len(f) && strings.IndexByte("+-# 0123456789.[]", f[i]) >= 0; i++ {
		}
		lits = append(lits, lit.String())
		lit.Reset()
		n++
	}
	return append(lits, lit.String()), n
}

// verbForm rewrites the verbs the catalog cannot match into ones that
// match what they print: %.0f prints a whole number, other floats and a
// wrapped error print as %v would.
var verbForm = strings.NewReplacer("%.0f", "%d", "%.1f", "%v", "%.7f", "%v", "%g", "%v", "%w", "%v")

type message struct{ pos, format string }

func scanPackage(t *testing.T, dir string, h helpers) []message {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no source in %s: %v", dir, err)
	}
	s := scanner{consts: map[string]string{}, lists: map[string][]string{}}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		s.declarations(f)
	}
	var out []message
	// add(n)(f, ok) keeps the message f found at n, when ok.
	add := func(n ast.Node) func(string, bool) {
		return func(f string, ok bool) {
			if ok {
				p := fset.Position(n.Pos())
				out = append(out, message{filepath.Base(p.Filename) + ":" + strconv.Itoa(p.Line), f})
			}
		}
	}
	for _, f := range files {
		fn := "" // the function being read
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				fn = x.Name.Name
				if slices.Contains(h.returns, x.Name.Name) && x.Body != nil {
					ast.Inspect(x.Body, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok {
							for _, e := range r.Results {
								if f, ok := s.message(e); ok && strings.Contains(f, " ") {
									add(e)(f, true)
								}
							}
						}
						return true
					})
				}
			case *ast.CallExpr:
				pkg, name := callee(x)
				switch {
				case pkg == "apperr" && name == "New" && len(x.Args) >= 2:
					add(x)(s.format(x.Args[1]))
				case pkg == "apperr" && name == "Field" && len(x.Args) == 2,
					name == "Add" && len(x.Args) == 2:
					add(x)(s.message(x.Args[1]))
				case pkg == "errors" && name == "New" && len(x.Args) == 1:
					add(x)(s.message(x.Args[0]))
				case pkg == "fmt" && name == "Errorf":
					// An error wrapped with %w goes on to a caller that
					// refuses in words of its own, or to the log, unless
					// the function wraps a refusal in words of its own.
					if b, ok := x.Args[0].(*ast.BasicLit); !ok || !strings.Contains(b.Value, "%w") || slices.Contains(h.wraps, fn) {
						add(x)(s.format(x.Args[0]))
					}
				case pkg == "":
					hp, ok := h.calls[name]
					if !ok || len(x.Args) <= hp.arg {
						break
					}
					var f string
					if hp.format {
						f, ok = s.format(x.Args[hp.arg])
					} else {
						f, ok = s.message(x.Args[hp.arg])
					}
					add(x)(hp.prefix+f, ok)
					return false
				}
			case *ast.CompositeLit:
				if id, ok := x.Type.(*ast.Ident); ok && len(x.Elts) > 0 {
					if hp, ok := h.calls[id.Name]; ok && len(x.Elts) > hp.arg {
						add(x)(s.message(x.Elts[hp.arg]))
					}
				}
				for _, el := range x.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if k, _ := kv.Key.(*ast.Ident); k != nil && (k.Name == "Message" || k.Name == "Reason" || k.Name == "Detail") {
						add(kv)(s.message(kv.Value))
					}
				}
			case *ast.AssignStmt:
				// A message set aside before it is given: it.Err = …,
				// reason := …, detail = ….
				if x.Tok != token.ASSIGN && x.Tok != token.DEFINE || len(x.Lhs) != len(x.Rhs) {
					break
				}
				for i, l := range x.Lhs {
					switch l := l.(type) {
					case *ast.SelectorExpr:
						if l.Sel.Name == "Err" {
							add(x)(s.message(x.Rhs[i]))
						}
					case *ast.Ident:
						if l.Name == "reason" || l.Name == "detail" {
							add(x)(s.message(x.Rhs[i]))
						}
					}
				}
			}
			return true
		})
	}
	return out
}

func callee(c *ast.CallExpr) (pkg, name string) {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return "", f.Name
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			return id.Name, f.Sel.Name
		}
		return "?", f.Sel.Name
	}
	return "?", ""
}

// scanner resolves a message expression to its format, knowing the
// package's string constants and its lists of codes.
type scanner struct {
	consts map[string]string
	lists  map[string][]string
}

func (s *scanner) declarations(f *ast.File) {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST && g.Tok != token.VAR {
			continue
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				switch v := vs.Values[i].(type) {
				case *ast.BasicLit:
					if v.Kind == token.STRING && g.Tok == token.CONST {
						s.consts[n.Name], _ = strconv.Unquote(v.Value)
					}
				case *ast.CompositeLit:
					var list []string
					for _, el := range v.Elts {
						if b, ok := el.(*ast.BasicLit); ok && b.Kind == token.STRING {
							u, _ := strconv.Unquote(b.Value)
							list = append(list, u)
						}
					}
					if len(list) == len(v.Elts) && len(list) > 0 {
						s.lists[n.Name] = list
					}
				}
			}
		}
	}
}

// format resolves the format argument of a call such as fmt.Sprintf.
func (s *scanner) format(e ast.Expr) (string, bool) {
	if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
		u, _ := strconv.Unquote(b.Value)
		return verbForm.Replace(u), true
	}
	return s.message(e)
}

// message resolves a message: literal text (its % escaped), a constant, a
// formatted string, a list of codes joined, or a concatenation of these in
// which anything else reads as %s.
func (s *scanner) message(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			u, _ := strconv.Unquote(x.Value)
			return strings.ReplaceAll(u, "%", "%%"), true
		}
	case *ast.Ident:
		if c, ok := s.consts[x.Name]; ok {
			return strings.ReplaceAll(c, "%", "%%"), true
		}
	case *ast.ParenExpr:
		return s.message(x.X)
	case *ast.CallExpr:
		switch pkg, name := callee(x); {
		case pkg == "fmt" && (name == "Sprintf" || name == "Errorf"), pkg == "" && name == "refuse":
			return s.format(x.Args[0])
		case pkg == "errors" && name == "New":
			return s.message(x.Args[0])
		case pkg == "strings" && name == "Join" && len(x.Args) == 2:
			id, ok1 := x.Args[0].(*ast.Ident)
			sep, ok2 := s.message(x.Args[1])
			if ok1 && ok2 && s.lists[id.Name] != nil {
				return strings.ReplaceAll(strings.Join(s.lists[id.Name], sep), "%", "%%"), true
			}
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			l, okl := s.message(x.X)
			r, okr := s.message(x.Y)
			if !okl {
				l = "%s"
			}
			if !okr {
				r = "%s"
			}
			return l + r, okl || okr
		}
	}
	return "", false
}
