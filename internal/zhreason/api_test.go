package zhreason_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/zhreason"
)

// apiPackages are the packages, relative to this one, whose refusals the
// API catalog must word; TestEveryAPIRefusalIsWordedInChinese reads their
// source.
var apiPackages = []string{
	// events
	"../event", "../category", "../department", "../workcal", "../calendar",
	"../attach", "../resident", "../plaintext",
	// administration
	"../httpapi", "../apikey", "../jobs", "../db", "../dashboard", "../reseal",
	"../secret", "../live", "../apperr", "../audit",
}

// notProblems are files of apiPackages whose refusals are never a problem
// document, and why.
var notProblems = map[string]string{
	"../httpapi/open311.go":     "Open311 answers its own error list, in English",
	"../httpapi/open311_xml.go": "Open311 answers its own error list, in English",
}

// wordedCaseByCase are formats whose %s prints English words of the
// source's own (a kind of object, an action, a reason), each with the
// cases the catalog words instead: a general wording would leave those
// words in English. The cases are read off the source by hand.
var wordedCaseByCase = map[string][]string{
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
		"the routing rule was changed by someone else; reload and try again"},
	"is %d, the %s is at %d": {"is %d, the department is at %d", "is %d, the routing rule is at %d"},
	"%s is declared %s here and %s at overrides[%d]": {
		"%s is declared an off day here and a working day at overrides[%d]",
		"%s is declared a working day here and an off day at overrides[%d]"},
	"%s is %s in the %d arrangement (%s); change or delete that day first": {
		"%s is an off day in the %d arrangement (%s); change or delete that day first",
		"%s is a working day in the %d arrangement (%s); change or delete that day first"},
	"%s; try again in %d seconds": {
		"a code was sent to this phone moments ago; try again in %d seconds",
		"this phone was sent %d codes today, the most it may; try again in %d seconds"},
}

// message is a refusal's English text, or its format, found in the source.
type message struct {
	pos    token.Position
	format string
}

// TestEveryAPIRefusalIsWordedInChinese reads the packages of apiPackages and
// fails for every refusal whose text the API catalog does not hold. It finds
// the message or format given as a string literal (or fmt.Sprintf of one) to
//
//   - apperr.New(code, LIT, ...), the format itself;
//   - apperr.Field(field, LIT);
//   - a method Add with two arguments, as on an apperr.Fields (an
//     http.Header's Add is told apart by its receiver: a Header() call or a
//     variable assigned one);
//   - apperr.Error{Message: LIT} and apperr.FieldError{Reason: LIT}, also
//     the elements of a []apperr.FieldError literal.
//
// A literal may be joined by + with others and with the package's string
// constants. A message built from variables (err.Error(), a reason passed
// in) is not seen; such messages are listed in the catalog by hand where
// they can be. A format of wordedCaseByCase passes when the catalog words
// each of its cases.
func TestEveryAPIRefusalIsWordedInChinese(t *testing.T) {
	c := zhreason.NewAPI()
	known := map[string]bool{}
	for _, f := range c.Formats() {
		known[f] = true
	}
	for _, cases := range wordedCaseByCase {
		for _, f := range cases {
			if !known[f] {
				t.Errorf("%q has no Chinese wording", f)
			}
		}
	}
	found := map[string]bool{}
	for _, m := range apiMessages(t, apiPackages) {
		found[m.format] = true
		if !known[m.format] && wordedCaseByCase[m.format] == nil {
			t.Errorf("%s: %q has no Chinese wording", m.pos, m.format)
		}
	}
	// One of each way of refusing, so that a reader gone blind fails.
	for _, f := range []string{
		"say why (%s needs a note)",   // Fields.Add(f, fmt.Sprintf(…))
		"event not found",             // apperr.New
		"must be a year such as 2026", // apperr.Field
		"invalid input",               // Error{Message: …} in apperr itself
		"is %d, the category is at %d",
		"is a text file, which is not accepted; send a JPEG, PNG or WebP photo or a PDF document", // a constant joined
	} {
		if !found[f] {
			t.Errorf("the source reader did not find %q", f)
		}
	}
}

// TestEveryAPIWordingKeepsTheValues renders each format with sample values
// and checks that the Chinese wording carries every value over as printed.
func TestEveryAPIWordingKeepsTheValues(t *testing.T) {
	c := zhreason.NewAPI()
	for _, e := range zhreason.API() {
		args, printed := sampleArgs(e.English)
		msg := fmt.Sprintf(e.English, args...)
		zh, ok := c.Lookup(msg)
		switch {
		case !ok:
			t.Errorf("%q: the sample %q is not matched", e.English, msg)
		case zh == msg && len(args) > 0:
			t.Errorf("%q: the wording is the English text", e.English)
		}
		for _, v := range printed {
			if !strings.Contains(zh, v) {
				t.Errorf("%q: %q lost the value %s", e.English, zh, v)
			}
		}
	}
}

// sampleArgs are distinct values for the verbs of format, and each as its
// verb prints it: text no wording holds by itself.
func sampleArgs(format string) (args []any, printed []string) {
	for i := 0; i+1 < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		var a any
		switch format[i] {
		case 'd':
			a = 7100 + len(args)
		case 'c':
			a = rune('Ж' + len(args))
		case 'g':
			a = 71.25 + float64(len(args))
		case 'U':
			a = rune(0x7f + len(args))
		case 's', 'q', 'v':
			a = fmt.Sprintf("ZZ%dQ", len(args))
		default:
			continue // %%
		}
		args = append(args, a)
		printed = append(printed, fmt.Sprintf("%"+string(format[i]), a))
	}
	return args, printed
}

func apiMessages(t *testing.T, dirs []string) []message {
	t.Helper()
	fset := token.NewFileSet()
	var out []message
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) == 0 {
			t.Fatalf("%s: no Go files", dir)
		}
		var files []*ast.File
		for _, path := range paths {
			if strings.HasSuffix(path, "_test.go") || notProblems[filepath.ToSlash(path)] != "" {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		consts := stringConsts(files)
		for _, f := range files {
			out = append(out, fileMessages(fset, f, consts)...)
		}
	}
	return out
}

// stringConsts are the package-level string constants of a package's
// files whose values are literals.
func stringConsts(files []*ast.File) map[string]string {
	consts := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := literalFormat(vs.Values[i], consts); ok {
							consts[name.Name] = v
						}
					}
				}
			}
		}
	}
	return consts
}

// fileMessages are the refusals of one file. In package apperr itself its
// names are used unqualified.
func fileMessages(fset *token.FileSet, f *ast.File, consts map[string]string) []message {
	apperr := apperrName(f)
	headers := headerVars(f)
	isApperr := func(e ast.Expr, name string) bool {
		if f.Name.Name == "apperr" {
			id, ok := e.(*ast.Ident)
			return ok && id.Name == name
		}
		sel, ok := e.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != name {
			return false
		}
		x, ok := sel.X.(*ast.Ident)
		return ok && apperr != "" && x.Name == apperr
	}
	var out []message
	add := func(e ast.Expr) {
		if s, ok := literalFormat(e, consts); ok {
			out = append(out, message{fset.Position(e.Pos()), s})
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			switch {
			case isApperr(n.Fun, "New") && len(n.Args) >= 2:
				add(n.Args[1])
			case isApperr(n.Fun, "Field") && len(n.Args) == 2:
				add(n.Args[1])
			case isFieldsAdd(n, headers):
				add(n.Args[1])
			}
		case *ast.CompositeLit:
			switch {
			case isApperr(n.Type, "Error"):
				add(keyed(n, "Message"))
			case isApperr(n.Type, "FieldError"):
				add(keyed(n, "Reason"))
			case isSliceOf(n.Type, func(e ast.Expr) bool { return isApperr(e, "FieldError") }):
				for _, el := range n.Elts {
					if lit, ok := el.(*ast.CompositeLit); ok && lit.Type == nil {
						add(keyed(lit, "Reason"))
					}
				}
			}
		}
		return true
	})
	return out
}

// apperrName is the name the file imports package apperr under, or "".
func apperrName(f *ast.File) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); strings.HasSuffix(p, "/internal/apperr") {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return "apperr"
		}
	}
	return ""
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
// http.Header.
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

// literalFormat is the text of a string literal, of literals and consts
// joined by +, or of the format of fmt.Sprintf(LIT, ...).
func literalFormat(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case nil:
		return "", false
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok := literalFormat(e.X, consts)
		y, ok2 := literalFormat(e.Y, consts)
		return x + y, ok && ok2
	case *ast.ParenExpr:
		return literalFormat(e.X, consts)
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Sprintf" || len(e.Args) == 0 {
			return "", false
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "fmt" {
			return "", false
		}
		return literalFormat(e.Args[0], consts)
	}
	return "", false
}

func TestAPICatalogHoldsTheImportsReasons(t *testing.T) {
	api := zhreason.NewAPI().Formats()
	for _, f := range zhreason.New().Formats() {
		if !slices.Contains(api, f) {
			t.Errorf("the API catalog lacks the import's %q", f)
		}
	}
}
