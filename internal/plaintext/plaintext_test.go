package plaintext

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"

	"github.com/gridgov/gridgov/internal/apperr"
)

// reasonOf is the reason Check gives for v as a title, "" when it
// accepts it.
func reasonOf(v string) string {
	var fs apperr.Fields
	Check(&fs, "title", v, 100, true)
	e, ok := apperr.As(fs.Err())
	if !ok {
		return ""
	}
	return e.Fields[0].Field + ": " + e.Fields[0].Reason
}

// Plain text is accepted even with "<" and ">" in it; tags, comments and
// control characters are refused, naming the field.
func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text, want string // want: a fragment of the refusal, "" to accept
	}{
		{"comparison", "a < b > c", ""},
		{"less than a number", "水深<5厘米，温度>30度", ""},
		{"arrows", "x <- y -> z, a<>b, <<>>", ""},
		{"spaced end", "a < /b", ""},
		{"at the end", "一直往前走<", ""},
		{"entities", "&lt;script&gt; &amp;", ""},
		{"full-width brackets", "＜script＞", ""},
		{"tab and line breaks", "第一行\t备注\n第二行\r\n第三行", ""},
		{"script", "<script>alert(1)</script>", "title: must be plain text; HTML tags"},
		{"img onerror", `<img src=x onerror=alert(1)>`, "HTML tags"},
		{"unclosed img", `看<img src=x onerror=alert(1)`, "HTML tags"},
		{"link", `<a href="https://example.com">点这里</a>`, "HTML tags"},
		{"upper case", "<IMG SRC=x>", "HTML tags"},
		{"svg", "<svg/onload=alert(1)>", "HTML tags"},
		{"tag glued to text", "a<b", "HTML tags"},
		{"end tag", "</div>", "HTML tags"},
		{"bogus comment", "a </ b", "HTML tags"},
		{"comment", "<!-- x -->", "HTML tags"},
		{"doctype", "<!DOCTYPE html>", "HTML tags"},
		{"processing instruction", "<?xml version='1.0'?>", "HTML tags"},
		{"start of heading", "标题\x01", "title: must be plain text; control character U+0001"},
		{"vertical tab", "a\vb", "U+000B"},
		{"escape", "\x1b[31m红色\x1b[0m", "U+001B"},
		{"nul", "a\x00b", "U+0000"},
		{"delete", "a\x7fb", "U+007F"},
		{"next line", "a\u0085b", "U+0085"},
		{"C1 control", "a\u009bb", "U+009B"},
		{"noncharacter", "a\uffffb", "U+FFFF"},
		{"empty", "", "title: is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := reasonOf(tc.text)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Fatalf("Check(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

// FuzzCheck checks that any text Check accepts is plain text: no
// control character but tab and line breaks, nothing an HTML tokenizer
// reads as anything but text; and that a refusal names the field.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"a < b > c", "<script>", "</ x", "<!x", "<?x", "<5", "a\x01", "\t\n\r", "&lt;b&gt;", "<\x00a>", "<\u0130>", "\ufffe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var fs apperr.Fields
		Check(&fs, "description", v, 2000, false)
		if err := fs.Err(); err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "description" || e.Fields[0].Reason == "" {
				t.Fatalf("refusal of %q is %v, not a field error naming description", v, err)
			}
			return
		}
		for _, r := range v {
			if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
				t.Fatalf("accepted %q with control character %U", v, r)
			}
		}
		z := html.NewTokenizer(strings.NewReader(v))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt != html.TextToken {
				t.Fatalf("accepted %q, which HTML reads as %s %q", v, tt, z.Raw())
			}
		}
	})
}
