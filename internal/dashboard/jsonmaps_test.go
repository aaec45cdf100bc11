package dashboard

import (
	"encoding/json"
	"math"
	"testing"

	"pgregory.net/rapid"
)

// Counts, Rates and Measures encode exactly as encoding/json encodes the plain maps.
func TestFigureMapsEncodeAsMaps(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		keys := rapid.SliceOfDistinct(rapid.StringMatching(`[a-z_:0-9+-]{1,12}`), rapid.ID[string]).Draw(t, "keys")
		counts := map[string]int64{}
		rates := map[string]*float64{}
		for _, k := range keys {
			counts[k] = rapid.Int64().Draw(t, "n")
			if rapid.Bool().Draw(t, "null") {
				rates[k] = nil
				continue
			}
			v := rapid.Float64().Draw(t, "v")
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			rates[k] = &v
		}
		measures := map[string]any{}
		for k, v := range counts {
			measures[k] = v
		}
		for k, v := range rates {
			if rapid.Bool().Draw(t, "rate") {
				measures[k] = v
			}
		}
		measures["name"] = rapid.String().Draw(t, "text")
		measures["none"] = nil
		for _, c := range []struct{ fast, plain any }{{Counts(counts), counts}, {Rates(rates), rates}, {Measures(measures), measures},
			{Counts(nil), map[string]int64(nil)}, {Rates(nil), map[string]*float64(nil)}} {
			got, err := json.Marshal(c.fast)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(c.plain)
			if string(got) != string(want) {
				t.Fatalf("%s, encoding/json %s", got, want)
			}
		}
	})
}
