package zhreason

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// sources are the packages whose refusals the API catalog words, by area,
// each with the helpers it builds a message through and what of it the
// scan leaves unread.
var sources = map[string]source{
	// eventsAPI
	"event":      {},
	"category":   {},
	"department": {},
	"workcal":    {},
	"calendar":   {},
	"attach":     {apperrOnly: "its image and container parsers' errors are read as a damaged file, never shown"},
	"resident":   {calls: map[string]helper{"rateLimited": {arg: 2}}},
	"plaintext":  {},

	// adminAPI
	"httpapi": {returns: []string{"typeMismatch"}, skip: map[string]string{
		"open311.go":     "Open311 answers its own error list, in English",
		"open311_xml.go": "Open311 answers its own error list, in English",
	}},
	"apikey":    {},
	"jobs":      {apperrOnly: "jobs and webhooks report their errors to the log"},
	"db":        {apperrOnly: "its errors are the server's, at start or in the log"},
	"dashboard": {apperrOnly: "its encoder's errors are the server's"},
	"reseal":    {apperrOnly: "resealing is a command of the operator"},
	"secret":    {apperrOnly: "a keyring's errors are the server's"},
	"live":      {apperrOnly: "its listener's errors go to the log"},
	"apperr":    {},
	"audit":     {apperrOnly: "the chain's check is read by the command line, not the API"},

	// workforceAPI
	"workforce": {calls: map[string]helper{"refusal": {arg: 1}}, returns: []string{"unboundReason"}},

	// peopleAPI, and the import's Entries
	"registry": {},
	"auth":     {calls: map[string]helper{"displayEnded": {}}, returns: []string{"ValidatePassword"}},
	"region":   {},
	"gridmap": {
		calls:   map[string]helper{"reject": {}},
		returns: []string{"check", "checkPositions", "parseBoundary", "repeat"},
		wraps:   []string{"checkCoordinates"},
	},
	"geo":    {calls: map[string]helper{"refuse": {arg: 1, format: true}}, returns: []string{"String", "ringName", "polygonName"}},
	"idcard": {calls: map[string]helper{"refuse": {format: true}}},
	"pii":    {calls: map[string]helper{"refuse": {format: true}}},
	"tabular": {
		calls:   map[string]helper{"damaged": {prefix: "the .xlsx file is damaged or incomplete: "}},
		returns: []string{"describeParseError", "Error"},
	},
	"spatial": {},
}

// source is how a package refuses beyond apperr's ways, which every
// package's scan reads: apperr.New(code, FORMAT, …), apperr.Field(field,
// MSG), Add(field, MSG) on an apperr.Fields (not an http.Header),
// apperr.Error{Message: MSG} and apperr.FieldError{Reason: MSG}.
type source struct {
	calls   map[string]helper // a function or type of its own that takes a message
	returns []string          // functions that return a message
	wraps   []string          // functions whose errors wrapped with %w are messages
	// apperrOnly, when set, says why the package's other messages
	// (errors.New, fmt.Errorf, a Message, Reason or Detail of its own
	// types, a reason set aside) never reach a client; they are not read.
	apperrOnly string
	skip       map[string]string // files not read, and why
}

type helper struct {
	arg    int    // the argument that holds the message
	format bool   // the argument is a format with the call's further arguments
	prefix string // what the helper writes before the message
}

// notShown are formats the scan finds that never reach an API client as a
// refusal: programmer errors, sentinels, codes and what the server logs.
var notShown = []string{
	// event
	"not yours",
	"step_due", "red_at", "supervise_due", "yellow_at", // why a card shows, a code
	"attach to event %d: the attachment was not accepted by the attach service",
	"event: fast counts begin days in %s, the counters in %s",
	// calendar, workcal
	"unchanged",
	"data after the JSON value", // read as "unexpected data after the JSON value"
	"load work calendar: it kept changing while being read",
	"time of day %d s is outside 00:00–24:00", // a time written out, never read
	// httpapi
	"read back station %s: %v", // an internal error, its detail logged
	// resident
	"resident account created meanwhile",
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

// leftOut are refusals built from parts the catalog cannot word: a message
// that prints another one in words the catalog does not hold.
var leftOut = []string{
	// tabular: an .xlsx file damaged in a way its zip reader words.
	"the .xlsx file is damaged or incomplete: %s",
}

// wordedCaseByCase are formats whose %s prints English words of the
// source's own (a kind of object, an action, a reason, a region level),
// each with the cases the catalog words instead: a general wording would
// leave those words in English. The cases are read off the source by
// hand, or are the entries a wording function makes from the same list
// the source prints.
var wordedCaseByCase = caseByCase(map[string][]string{
	// event, department, workcal, calendar, resident, attach
	"only the lead department %s the event": {
		"only the lead department signs for the event", "only the lead department returns the event"},
	"department %s is the lead department%s; it cannot also assist": {
		"department %s is the lead department; it cannot also assist",
		"department %s is the lead department by the routing rules; it cannot also assist"},
	"%s is kept at a higher level than yours": {
		"department %s is kept at a higher level than yours", "routing rule %d is kept at a higher level than yours"},
	"%s not found": {"department %s not found", "routing rule %d not found"},
	"the %s was changed by someone else; reload and try again": {
		"the department was changed by someone else; reload and try again",
		"the routing rule was changed by someone else; reload and try again",
		"the worker was changed by someone else; reload and try again",
		"the team member was changed by someone else; reload and try again"},
	"is %d, the %s is at %d": {
		"is %d, the department is at %d", "is %d, the routing rule is at %d",
		"is %d, the worker is at %d", "is %d, the team member is at %d"},
	"%s is declared %s here and %s at overrides[%d]": {
		"%s is declared an off day here and a working day at overrides[%d]",
		"%s is declared a working day here and an off day at overrides[%d]"},
	"%s is %s in the %d arrangement (%s); change or delete that day first": {
		"%s is an off day in the %d arrangement (%s); change or delete that day first",
		"%s is a working day in the %d arrangement (%s); change or delete that day first"},
	"%s; try again in %d seconds": {
		"a code was sent to this phone moments ago; try again in %d seconds",
		"this phone was sent %d codes today, the most it may; try again in %d seconds",
		"too many codes were asked for from this address; try again in %d seconds"},
	"%s; send a JPEG, PNG or WebP photo or a PDF document": {
		"is a program (ELF executable), not a photo or document; send a JPEG, PNG or WebP photo or a PDF document",
		"is a program (Windows executable), not a photo or document; send a JPEG, PNG or WebP photo or a PDF document",
		"is a program (Mach-O or Java class), not a photo or document; send a JPEG, PNG or WebP photo or a PDF document",
		"is a program (WebAssembly), not a photo or document; send a JPEG, PNG or WebP photo or a PDF document",
		"is a script, not a photo or document; send a JPEG, PNG or WebP photo or a PDF document",
		"is an SVG image, which can carry scripts, so it is not accepted; send a JPEG, PNG or WebP photo or a PDF document",
		"is a web page (HTML), which can carry scripts, so it is not accepted; send a JPEG, PNG or WebP photo or a PDF document",
		"is an XML document, which is not accepted; send a JPEG, PNG or WebP photo or a PDF document"},

	// workforce: a check-in or a check-out, a decision, a point.
	"one %s a day counts": {"one check-in a day counts", "one check-out a day counts"},
	"a %s on %s was already recorded at %s (record %d); this one was not counted": {
		"a check-in on %s was already recorded at %s (record %d); this one was not counted",
		"a check-out on %s was already recorded at %s (record %d); this one was not counted"},
	"was already used for record %d (%s at %s); this request was not counted again": {
		"was already used for record %d (check_in at %s); this request was not counted again",
		"was already used for record %d (check_out at %s); this request was not counted again"},
	"a second %s on %s; one a day counts": {
		"a second check_in on %s; one a day counts", "a second check_out on %s; one a day counts"},
	"the request was already %s": {"the request was already approved", "the request was already rejected"},
	"is not after %s; points go in time order": {
		"is not after the previous point (points[%d], %s); points go in time order",
		"is not after the last point of batch %d (%s); points go in time order"},
	"must be the id of an uploaded attachment: %s": {
		"must be the id of an uploaded attachment: must be %d-%d characters of A-Z a-z 0-9 . _ : -"},

	// geo: the way a ring meets itself or another ring.
	"%s %s itself at %s": {"%s crosses itself at %s", "%s touches itself at %s", "%s runs along itself at %s"},
	"%s %s %s at %s":     {"%s crosses %s at %s", "%s runs along %s at %s"},

	// auth, registry, tabular
	"a %s account needs a %s code": {
		"a center account needs a region code", "a worker account needs a region code",
		"a leader account needs a region code", "a department account needs a department code"},
	"this item was already checked (%s)": {
		"this item was already checked (correct)", "this item was already checked (incorrect)"},
	"%s (sheet %q is empty)": {"the file has no header row (sheet %q is empty)"},
}, map[string][][]Entry{
	// httpapi: a value of the wrong JSON type.
	"must be %s, not %s": {jsonMismatches()},

	// event, resident: an event's action or state, a role, a reporter.
	"%s is not possible while the event is %s":                     {eventWords()},
	"say why (%s needs a note)":                                    {eventWords()},
	"you may not %s this event":                                    {eventWords()},
	"files cannot be added while the event is %s":                  {eventWords()},
	"event %s is %s; merge into an open event":                     {eventWords()},
	"event %s is %s; only open events can be followed":             {eventWords()},
	"a %s account does not file reports; the center files them":    {roleWords()},
	"must be %s for a report from %s; it follows from who reports": {reportSources()},

	// registry: a coded column, or a search by tag; tabular: a header.
	"must be one of %s, got %q":                      {Entries(), tagChoice()},
	"the header row does not match the template: %s": {headerMismatch()},

	// region, gridmap: a level of the region tree, a position, a point.
	"a %s code has %d digits, got %d":                                     {regionLevels()},
	"%s exists as a %s under %q; an import cannot move it":                {regionLevels()},
	"%s %s does not begin with its parent's code %s":                      {regionLevels()},
	"a %s needs a parent":                                                 {regionLevels()},
	"the parent of a %s must be a %s, %s is a %s":                         {regionLevels()},
	"%s is not an array":                                                  {positions()},
	"%s is not an array of numbers":                                       {positions()},
	"%s has %d numbers; want longitude, latitude and at most an altitude": {positions()},
	"%s: the %s is %s, not a number":                                      {positions()},
	"coordinate [%g, %g]: %v":                                             {pointPrefixed("coordinate [%v, %v]: ", "")},

	// geo: a problem of a boundary, by its kind, or a field of a region a
	// map import refuses. workforce: an item of a bulk load.
	"%s (ring %d): %s": {problemKinds()},
	"%s: %s":           {problemKinds(), importFields()},
	"%s %d: %s":        {bulkItems()},
	"location: %s":     {pointPrefixed("location: ", "")},
})

// caseByCase joins the cases read by hand with those a wording function
// makes: the entries of its areas that spell the format out.
func caseByCase(byHand map[string][]string, made map[string][][]Entry) map[string][]string {
	for f, areas := range made {
		for _, e := range slices.Concat(areas...) {
			if spells(e.English, f) {
				byHand[f] = append(byHand[f], e.English)
			}
		}
	}
	return byHand
}

// TestEveryAPIRefusalIsWordedInChinese reads the source of the packages
// above and fails for every refusal the API catalog does not word: its
// format is an entry, or a format of wordedCaseByCase whose every case is
// one, or it is listed in notShown or leftOut. Each of those lists must
// still be given by the source, and the cases of a format must spell it.
func TestEveryAPIRefusalIsWordedInChinese(t *testing.T) {
	known := map[string]bool{}
	for _, e := range API() {
		known[e.English] = true
	}
	listed := map[string]bool{}
	for _, f := range slices.Concat(notShown, leftOut) {
		if listed[f] {
			t.Errorf("%q is listed twice", f)
		}
		listed[f] = true
	}
	for f, cases := range wordedCaseByCase {
		if len(cases) == 0 {
			t.Errorf("%q is worded case by case, but has no cases", f)
		}
		for _, c := range cases {
			if !known[c] {
				t.Errorf("%q, a case of %q, has no Chinese wording", c, f)
			}
			if !spells(c, f) {
				t.Errorf("%q is listed as a case of %q, which it does not spell out", c, f)
			}
		}
	}
	found := map[string]bool{}
	for _, m := range scanSources(t) {
		found[m.format] = true
		if !known[m.format] && !listed[m.format] && wordedCaseByCase[m.format] == nil {
			t.Errorf("%s: %q has no Chinese wording", m.pos, m.format)
		}
	}
	for _, f := range slices.Concat(notShown, leftOut, slices.Collect(maps.Keys(wordedCaseByCase))) {
		if !found[f] {
			t.Errorf("%q is listed as not worded or worded case by case, but no source gives it", f)
		}
	}
	// One of each way of refusing, so that a scan gone blind fails.
	for _, f := range []string{
		"say why (%s needs a note)",   // Fields.Add(f, fmt.Sprintf(…))
		"event not found",             // apperr.New
		"must be a year such as 2026", // apperr.Field
		"invalid input",               // Error{Message: …} in apperr itself
		"is %d, the category is at %d",
		"is a text file, which is not accepted; send a JPEG, PNG or WebP photo or a PDF document", // a constant joined
		"worker not found",                      // a helper's argument
		"must not contain the username",         // what a function returns
		"may contain only digits and a final X", // a helper's format
		"give both lng and lat",                 // errors.New, passed on as err.Error()
	} {
		if !found[f] {
			t.Errorf("the source reader did not find %q", f)
		}
	}
}

// TestEveryAPIWordingIsUsed checks the other way round: each entry of the
// API's areas is a format the source gives, or a case of one, so that a
// format mistyped or no longer given does not sit in the catalog
// unnoticed. The import's reasons have their own test in package registry.
func TestEveryAPIWordingIsUsed(t *testing.T) {
	given := map[string]bool{}
	for _, m := range scanSources(t) {
		given[m.format] = true
		for _, c := range wordedCaseByCase[m.format] {
			given[c] = true
		}
	}
	for _, area := range []struct {
		name    string
		entries []Entry
	}{{"eventsAPI", eventsAPI}, {"adminAPI", adminAPI}, {"workforceAPI", workforceAPI}, {"peopleAPI", peopleAPI}, {"namedAPI", namedAPI}, {"boundaryAPI", boundaryAPI}} {
		for _, e := range area.entries {
			if !given[e.English] {
				t.Errorf("%s: %q is given by no source", area.name, e.English)
			}
		}
	}
}

// message is a refusal's format, as the source gives it, and where.
type message struct{ pos, format string }

var scanned struct {
	once sync.Once
	ms   []message
	err  error
}

// scanSources reads the packages of sources once for all tests.
func scanSources(t *testing.T) []message {
	t.Helper()
	scanned.once.Do(func() {
		for pkg, src := range sources {
			ms, err := scanPackage(pkg, src)
			if err != nil {
				scanned.err = err
				return
			}
			scanned.ms = append(scanned.ms, ms...)
		}
	})
	if scanned.err != nil {
		t.Fatal(scanned.err)
	}
	return scanned.ms
}

// spells reports whether format g is format f with some of its verbs
// spelt out ("one check-in a day counts" of "one %s a day counts"), or
// left out where they print nothing.
func spells(g, f string) bool {
	if g == f {
		return false
	}
	lits, n := splitVerbs(f)
	if n == 0 {
		return false
	}
	for i, l := range lits {
		lits[i] = regexp.QuoteMeta(l)
	}
	return regexp.MustCompile("^" + strings.Join(lits, ".*") + "$").MatchString(g)
}

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
var verbForm = strings.NewReplacer("%.0f", "%d", "%.1f", "%v", "%.7f", "%v", "%w", "%v")

func scanPackage(pkg string, src source) ([]message, error) {
	dir := filepath.Join("..", pkg)
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no source in %s: %v", dir, err)
	}
	s := scanner{consts: map[string]string{}, lists: map[string][]string{}}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") || src.skip[filepath.Base(name)] != "" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	for range 2 { // a constant may be made of constants declared after it
		for _, f := range files {
			s.declarations(f)
		}
	}
	var out []message
	// add(n)(f, ok) keeps the message f found at n, when ok.
	add := func(n ast.Node) func(string, bool) {
		return func(f string, ok bool) {
			if ok {
				p := fset.Position(n.Pos())
				out = append(out, message{pkg + "/" + filepath.Base(p.Filename) + ":" + strconv.Itoa(p.Line), f})
			}
		}
	}
	full := src.apperrOnly == ""
	for _, f := range files {
		isApperr := apperrNamer(f)
		headers := headerVars(f)
		fn := ""                   // the function being read
		set := map[string]string{} // the reason and detail it set
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				fn, set = x.Name.Name, map[string]string{}
				if full && slices.Contains(src.returns, x.Name.Name) && x.Body != nil {
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
				case isApperr(x.Fun, "New") && len(x.Args) >= 2:
					add(x)(s.format(x.Args[1]))
				case isApperr(x.Fun, "Field") && len(x.Args) == 2, isFieldsAdd(x, headers):
					add(x)(s.message(x.Args[1]))
				case !full:
				case pkg == "errors" && name == "New" && len(x.Args) == 1:
					add(x)(s.message(x.Args[0]))
				case pkg == "fmt" && name == "Errorf":
					// An error wrapped with %w goes on to a caller that
					// refuses in words of its own, or to the log, unless
					// the function wraps a refusal in words of its own.
					if b, ok := x.Args[0].(*ast.BasicLit); !ok || !strings.Contains(b.Value, "%w") || slices.Contains(src.wraps, fn) {
						add(x)(s.format(x.Args[0]))
					}
				case pkg == "":
					hp, ok := src.calls[name]
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
				switch {
				case isApperr(x.Type, "Error"):
					add(x)(s.message(keyed(x, "Message")))
					return true
				case isApperr(x.Type, "FieldError"):
					add(x)(s.message(keyed(x, "Reason")))
					return true
				case isSliceOf(x.Type, func(e ast.Expr) bool { return isApperr(e, "FieldError") }):
					for _, el := range x.Elts {
						if lit, ok := el.(*ast.CompositeLit); ok && lit.Type == nil {
							add(lit)(s.message(keyed(lit, "Reason")))
						}
					}
					return false
				case !full:
					return true
				}
				if id, ok := x.Type.(*ast.Ident); ok && len(x.Elts) > 0 {
					if hp, ok := src.calls[id.Name]; ok && len(x.Elts) > hp.arg {
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
				// reason := …, detail = …, and reason += … joined to
				// the reason set before it in the function.
				if !full || len(x.Lhs) != len(x.Rhs) {
					break
				}
				for i, l := range x.Lhs {
					switch l := l.(type) {
					case *ast.SelectorExpr:
						if l.Sel.Name == "Err" && x.Tok == token.ASSIGN {
							add(x)(s.message(x.Rhs[i]))
						}
					case *ast.Ident:
						if l.Name != "reason" && l.Name != "detail" {
							break
						}
						f, ok := s.message(x.Rhs[i])
						switch x.Tok {
						case token.ASSIGN, token.DEFINE:
							set[l.Name] = f
							add(x)(f, ok)
						case token.ADD_ASSIGN:
							add(x)(set[l.Name]+f, ok && set[l.Name] != "")
						}
					}
				}
			}
			return true
		})
	}
	return out, nil
}

// apperrNamer returns whether an expression of file f names apperr's
// name: qualified by the name f imports apperr under, or unqualified in
// package apperr itself.
func apperrNamer(f *ast.File) func(ast.Expr, string) bool {
	if f.Name.Name == "apperr" {
		return func(e ast.Expr, name string) bool {
			id, ok := e.(*ast.Ident)
			return ok && id.Name == name
		}
	}
	imported := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); strings.HasSuffix(p, "/internal/apperr") {
			imported = "apperr"
			if imp.Name != nil {
				imported = imp.Name.Name
			}
		}
	}
	return func(e ast.Expr, name string) bool {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != name {
			return false
		}
		x, ok := sel.X.(*ast.Ident)
		return ok && imported != "" && x.Name == imported
	}
}

// headerVars are the names the file assigns a Header() call to.
func headerVars(f *ast.File) map[string]bool {
	vars := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, rhs := range as.Rhs {
				if id, ok := as.Lhs[i].(*ast.Ident); ok && isHeaderCall(rhs) {
					vars[id.Name] = true
				}
			}
		}
		return true
	})
	return vars
}

func isHeaderCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := call.Fun.(*ast.SelectorExpr)
	return ok && fn.Sel.Name == "Header"
}

// isFieldsAdd reports a call x.Add(field, msg) whose receiver is not an
// http.Header: a Header() call or a variable assigned one.
func isFieldsAdd(call *ast.CallExpr, headers map[string]bool) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Add" || len(call.Args) != 2 || isHeaderCall(sel.X) {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return !ok || !headers[id.Name]
}

func isSliceOf(e ast.Expr, elem func(ast.Expr) bool) bool {
	arr, ok := e.(*ast.ArrayType)
	return ok && arr.Len == nil && elem(arr.Elt)
}

// keyed is the value of key in a keyed composite literal, or nil.
func keyed(lit *ast.CompositeLit, key string) ast.Expr {
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == key {
				return kv.Value
			}
		}
	}
	return nil
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
				default:
					if c, ok := s.text(v, true, false); ok && g.Tok == token.CONST {
						s.consts[n.Name] = c
					}
				}
			}
		}
	}
}

// format resolves the format argument of a call such as fmt.Sprintf.
func (s *scanner) format(e ast.Expr) (string, bool) { return s.text(e, true, true) }

// message resolves a message: literal text (its % escaped), a constant, a
// formatted string, a list of codes joined, or a concatenation of these in
// which anything else reads as %s.
func (s *scanner) message(e ast.Expr) (string, bool) { return s.text(e, false, true) }

// text resolves e as a format (its % kept) or as a message. Where loose,
// a part of a concatenation that is not text reads as %s; otherwise it
// fails the whole.
func (s *scanner) text(e ast.Expr, format, loose bool) (string, bool) {
	escape := func(u string) string {
		if format {
			return u
		}
		return strings.ReplaceAll(u, "%", "%%")
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			u, _ := strconv.Unquote(x.Value)
			if format {
				u = verbForm.Replace(u)
			}
			return escape(u), true
		}
	case *ast.Ident:
		if c, ok := s.consts[x.Name]; ok {
			return escape(c), true
		}
	case *ast.ParenExpr:
		return s.text(x.X, format, loose)
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
				return escape(strings.Join(s.lists[id.Name], sep)), true
			}
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			l, okl := s.text(x.X, format, loose)
			r, okr := s.text(x.Y, format, loose)
			if !loose {
				return l + r, okl && okr
			}
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
