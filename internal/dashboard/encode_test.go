package dashboard

import (
	stdjson "encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"pgregory.net/rapid"

	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/region"
)

// The panels are encoded with goccy/go-json (a third faster than
// encoding/json on them), the events panel by its own appendJSON; what they
// write must be byte for byte what the standard library writes, for panels
// filled at random: strings with markup, control characters, non-ASCII and
// invalid UTF-8, nil and empty slices and maps, missing rates.
func TestPanelsEncodeAsTheStandardLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		for _, v := range []any{&EventsPanel{}, &OperationsPanel{}, &PeoplePanel{}} {
			fill(rng, reflect.ValueOf(v).Elem(), 0)
			want, err := stdjson.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("panel %d (%T):\ngoccy %s\nstd   %s", i, v, got, want)
			}
			if a, ok := v.(appender); ok {
				own, err := a.appendJSON([]byte("prefix"))
				if err != nil {
					t.Fatal(err)
				}
				if string(own) != "prefix"+string(want) {
					t.Fatalf("panel %d (%T):\nown %s\nstd %s", i, v, own, want)
				}
			}
		}
	}
}

var samples = []string{"", "萨尔图区", "a<b>&c", "quote\" back\\slash", "line\nbreak\ttab", "\u2028\u2029", "emoji 🚒", "230602001001001",
	"\b\f\r\x01\x1f\x7f", "bad \xff\xfe utf-8 \xe2\x80", "路面破损，影响通行（东风路）"}

// fill sets v, and everything under it, to random values.
func fill(rng *rand.Rand, v reflect.Value, depth int) {
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).UTC()))
		return
	case reflect.TypeFor[region.Level]():
		v.SetInt(int64(region.City) + rng.Int64N(5))
		return
	case reflect.TypeFor[NamedCounts]():
		c, _ := randomCounts(rng)
		v.Set(reflect.ValueOf(c))
		return
	case reflect.TypeFor[NamedRates]():
		r, _ := randomRates(rng)
		v.Set(reflect.ValueOf(r))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(samples[rng.IntN(len(samples))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(rng.Int64N(2e6) - 1e3)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(rng.Uint64N(1e6))
	case reflect.Float32, reflect.Float64:
		f := []float64{0, 1, 0.5, 1.0 / 3, 1e-7, 123456.789, 2e21}[rng.IntN(7)]
		v.SetFloat(f)
	case reflect.Pointer:
		if depth > 6 || rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(rng, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if rng.IntN(4) == 0 {
			v.SetZero()
			return
		}
		n := rng.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rng, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if rng.IntN(4) == 0 {
			v.SetZero()
			return
		}
		m := reflect.MakeMap(v.Type())
		for range rng.IntN(5) {
			// Keys are measure, state and source names (Counts, Rates and
			// Measures write them unescaped).
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString([]string{"reported", "closed", "closure_rate", "hotline", "elderly_alone", "0-17"}[rng.IntN(6)])
			e := reflect.New(v.Type().Elem()).Elem()
			if e.Kind() == reflect.Interface {
				if x := []any{rng.Int64N(1000), nil, 0.25, 1e-9, "x<y"}[rng.IntN(5)]; x != nil {
					e.Set(reflect.ValueOf(x))
				}
			} else {
				fill(rng, e, depth+1)
			}
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface: // a child's measures
		var m any = Measures(nil)
		switch rng.IntN(4) {
		case 0:
			m = eventChildMeasures{}
		case 1:
			m = &eventChildMeasures{}
		case 2:
			m = (*eventChildMeasures)(nil)
		}
		p := reflect.New(reflect.TypeOf(m))
		fill(rng, p.Elem(), depth+1)
		v.Set(p.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rng, v.Field(i), depth+1)
			}
		}
	case reflect.Array:
		for i := range v.Len() {
			fill(rng, v.Index(i), depth+1)
		}
	}
}

var nameSets = []struct {
	names *names
	list  []string
}{
	{measureNames, event.Measures()}, {sourceNames, sources}, {stateNames, openStates}, {colourNames, []string{"green", "yellow", "red"}},
	{newNames([]string{"b", "a<b", "é", "a"}), []string{"b", "a<b", "é", "a"}},
}

// randomCounts are counts of a random set of names, and the map they
// stand for.
func randomCounts(rng *rand.Rand) (NamedCounts, map[string]int64) {
	set := nameSets[rng.IntN(len(nameSets))]
	c := NamedCounts{names: set.names}
	m := map[string]int64{}
	for i, name := range set.list {
		c.v[i] = rng.Int64N(2e12) - 1e12
		m[name] = c.v[i]
	}
	return c, m
}

// randomRates are rates (some missing) and the map they stand for.
func randomRates(rng *rand.Rand) (NamedRates, map[string]*float64) {
	list := event.RateNames()
	r := NamedRates{names: rateNames}
	m := map[string]*float64{}
	for i, name := range list {
		m[name] = nil
		if rng.IntN(4) > 0 {
			r.v[i] = []float64{0, 1, 0.5, 1.0 / 3, 1e-7, 2.5e-9, 123456.789, 2e21}[rng.IntN(8)]
			r.set |= 1 << i
			m[name] = &r.v[i]
		}
	}
	return r, m
}

// Named counts and rates are written as encoding/json writes the maps
// they stand for.
func TestNamedFiguresEncodeAsMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		c, cm := randomCounts(rng)
		r, rm := randomRates(rng)
		for _, pair := range [][2]any{{c, cm}, {r, rm}, {NamedCounts{}, map[string]int64(nil)}} {
			got, err := stdjson.Marshal(pair[0])
			if err != nil {
				t.Fatal(err)
			}
			want, _ := stdjson.Marshal(pair[1])
			if string(got) != string(want) {
				t.Fatalf("%T:\ngot  %s\nwant %s", pair[0], got, want)
			}
		}
	}
}

// appendString writes any string, valid UTF-8 or not, as encoding/json does.
func TestAppendStringAsTheStandardLibrary(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.RuneFrom([]rune{'a', '<', '"', '\\', '\u2028', '\u2029', '\x00', '\b', '中', 'é'})),
			rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) })).Draw(t, "s")
		want, _ := stdjson.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
