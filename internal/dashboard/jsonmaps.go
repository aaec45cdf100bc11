package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Counts and Rates are figures by name. They encode as the maps they are
// (keys sorted), without encoding/json's reflection: a panel has a dozen
// of them and is encoded afresh after every change.
type (
	Counts map[string]int64
	Rates  map[string]*float64
	// Measures are a child region's figures: counts and rates.
	Measures map[string]any
)

// sortedKeys are the keys of m in order, in buf while they fit.
func sortedKeys[V any](m map[string]V, buf []string) []string {
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendKey writes `"k":`; a key with a byte JSON escapes goes through
// encoding/json.
func appendKey(b []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(k) // a string always encodes
			return append(append(b, q...), ':')
		}
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

// MarshalJSON encodes the counts as an object.
func (c Counts) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 24*len(c)+2)
	b = append(b, '{')
	var buf [32]string
	for i, k := range sortedKeys(c, buf[:]) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = strconv.AppendInt(b, c[k], 10)
	}
	return append(b, '}'), nil
}

// MarshalJSON encodes the rates as an object, null for a missing one.
func (r Rates) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 32*len(r)+2)
	b = append(b, '{')
	var buf [32]string
	for i, k := range sortedKeys(r, buf[:]) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = appendFloat(b, r[k])
	}
	return append(b, '}'), nil
}

// appendFloat writes a float as encoding/json does.
func appendFloat(b []byte, f *float64) []byte {
	if f == nil || math.IsNaN(*f) || math.IsInf(*f, 0) {
		return append(b, "null"...)
	}
	v := *f
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' {
		// e-09 as e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// MarshalJSON encodes the measures as an object; values other than counts
// and rates go through encoding/json.
func (m Measures) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 32*len(m)+2)
	b = append(b, '{')
	var buf [32]string
	for i, k := range sortedKeys(m, buf[:]) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		switch v := m[k].(type) {
		case nil:
			b = append(b, "null"...)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case *float64:
			b = appendFloat(b, v)
		default:
			vb, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			b = append(b, vb...)
		}
	}
	return append(b, '}'), nil
}

// names are a fixed set of figure names: the order in which an object of
// them is written (sorted, as encoding/json writes a map) and each key
// written once.
type names struct {
	order []int    // indexes of the names, sorted by name
	keys  [][]byte // `"name":` by index
}

// maxNames bounds a set of names, so that its figures fit in an array.
const maxNames = 24

func newNames(list []string) *names {
	if len(list) > maxNames {
		panic(fmt.Sprintf("dashboard: %d names, at most %d", len(list), maxNames))
	}
	n := &names{order: make([]int, len(list)), keys: make([][]byte, len(list))}
	for i, name := range list {
		n.order[i] = i
		n.keys[i] = appendKey(nil, name)
	}
	slices.SortFunc(n.order, func(a, b int) int { return strings.Compare(list[a], list[b]) })
	return n
}

// NamedCounts are counts under a fixed set of names, held as an array and
// encoded as the map of them would be: the event panel's dozen sets of
// figures are written straight, without building and sorting maps.
type NamedCounts struct {
	names *names
	v     [maxNames]int64
}

func namedCounts(n *names, v []int64) NamedCounts {
	c := NamedCounts{names: n}
	copy(c.v[:], v)
	return c
}

// MarshalJSON encodes the counts as an object.
func (c NamedCounts) MarshalJSON() ([]byte, error) {
	return c.appendJSON(make([]byte, 0, 24*maxNames+2)), nil
}

// NamedRates are rates under a fixed set of names, as NamedCounts are
// counts; a rate without a denominator is null.
type NamedRates struct {
	names *names
	v     [maxNames]float64
	set   uint32 // bit i: v[i] is a rate
}

// MarshalJSON encodes the rates as an object.
func (r NamedRates) MarshalJSON() ([]byte, error) {
	return r.appendJSON(make([]byte, 0, 32*maxNames+2)), nil
}
