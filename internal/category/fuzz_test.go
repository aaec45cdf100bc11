package category

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/region"
)

// FuzzParseLimits checks that any input is either refused with field errors
// named under "limits" or accepted as limits that answer every step at every
// level and survive a round trip through JSON unchanged.
func FuzzParseLimits(f *testing.F) {
	f.Add([]byte(validLimits))
	f.Add([]byte(`{"receive":{"amount":1,"unit":"days"},"register":{"amount":1,"unit":"days"},"dispatch":{"amount":1,"unit":"days"},` +
		`"handle":{"amount":15,"unit":"days"},"verify":{"amount":1,"unit":"days"},"levels":{"village":{"handle":{"amount":5,"unit":"days"}},"3":{"verify":{"amount":0.25,"unit":"hours"}}}}`))
	f.Add([]byte(`{"handle":{"amount":1e308,"unit":"hours"}}`))
	f.Add([]byte(`{"levels":{"county":null}}`))
	f.Add([]byte(`{"handle":{"amount":-0,"unit":""}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	for _, c := range DefaultTree() {
		if c.Limits != nil {
			b, _ := json.Marshal(c.Limits)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLimits(data)
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("refusal %v is not a field error", err)
			}
			for _, fe := range e.Fields {
				if fe.Field != "limits" && !strings.HasPrefix(fe.Field, "limits.") || fe.Reason == "" {
					t.Fatalf("field error %+v is not named under limits", fe)
				}
			}
			return
		}
		for lv := region.City; lv <= region.Grid; lv++ {
			for _, st := range Steps() {
				a, u := l.Limit(st, lv)
				if a <= 0 || (u != Hours && u != Days) {
					t.Fatalf("Limit(%s, %s) = %v %q on accepted limits", st, lv, a, u)
				}
			}
		}
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatalf("accepted limits do not marshal: %v", err)
		}
		again, err := ParseLimits(b)
		if err != nil {
			t.Fatalf("marshalled limits %s refused: %v", b, err)
		}
		if diff := cmp.Diff(l, again); diff != "" {
			t.Fatalf("round trip changed the limits (-first +again):\n%s", diff)
		}
	})
}
