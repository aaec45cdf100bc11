package dashboard

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// Counts and Rates are figures by name. They encode as the maps they are
// (keys sorted), without encoding/json's reflection: a panel has a dozen
// of them and is encoded afresh after every change. Their keys are
// measure, state and source names, which need no escaping.
type (
	Counts map[string]int64
	Rates  map[string]*float64
	// Measures are a child region's figures: counts and rates.
	Measures map[string]any
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// MarshalJSON encodes the counts as an object.
func (c Counts) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 24*len(c)+2)
	b = append(b, '{')
	for i, k := range sortedKeys(c) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
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
	for i, k := range sortedKeys(r) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
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
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b = append(b, kb...)
		b = append(b, ':')
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
