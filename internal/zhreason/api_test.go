package zhreason_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/zhreason"
)

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

func TestAPICatalogHoldsTheImportsReasons(t *testing.T) {
	api := zhreason.NewAPI().Formats()
	for _, f := range zhreason.New().Formats() {
		if !slices.Contains(api, f) {
			t.Errorf("the API catalog lacks the import's %q", f)
		}
	}
}
