package dashboard

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/region"
)

// The events panel is computed afresh after every change under its region,
// and for a village or a grid its JSON cost as much as its figures. It is
// written here straight into one buffer, without reflection and without
// the marshalers' own buffers, exactly as encoding/json writes the struct
// (TestPanelsEncodeAsTheStandardLibrary holds it to that).

// appendJSON writes the panel.
func (p *EventsPanel) appendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"region":`...)
	if b, err = p.Region.appendJSON(b); err != nil {
		return nil, err
	}
	b = append(b, `,"path":`...)
	if p.Path == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, it := range p.Path {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"code":`...)
			b = appendString(b, it.Code)
			b = append(b, `,"name":`...)
			b = appendString(b, it.Name)
			b = append(b, `,"level":`...)
			if b, err = appendLevel(b, it.Level); err != nil {
				return nil, err
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"from":`...)
	b = appendString(b, p.From)
	b = append(b, `,"to":`...)
	b = appendString(b, p.To)
	b = append(b, `,"as_of":`...)
	if b, err = appendTime(b, p.AsOf); err != nil {
		return nil, err
	}
	b = append(b, `,"totals":`...)
	b = p.Totals.appendJSON(b)
	b = append(b, `,"rates":`...)
	b = p.Rates.appendJSON(b)
	b = append(b, `,"previous":`...)
	b = p.Previous.appendJSON(b)
	b = append(b, `,"year_ago":`...)
	b = p.YearAgo.appendJSON(b)
	b = append(b, `,"by_source":`...)
	b = p.BySource.appendJSON(b)
	b = append(b, `,"by_day":`...)
	b = appendSlice(b, p.ByDay, func(b []byte, d DayFigures) []byte {
		b = append(b, `{"date":`...)
		b = appendString(b, d.Date)
		b = append(b, `,"reported":`...)
		b = strconv.AppendInt(b, d.Reported, 10)
		b = append(b, `,"closed":`...)
		b = strconv.AppendInt(b, d.Closed, 10)
		return append(b, '}')
	})
	b = append(b, `,"top_categories":`...)
	b = appendSlice(b, p.TopCategories, func(b []byte, c CategoryFigures) []byte {
		b = append(b, `{"code":`...)
		b = appendString(b, c.Code)
		b = append(b, `,"name":`...)
		b = appendString(b, c.Name)
		b = append(b, `,"name_en":`...)
		b = appendString(b, c.NameEn)
		b = append(b, `,"reported":`...)
		b = strconv.AppendInt(b, c.Reported, 10)
		return append(b, '}')
	})
	b = append(b, `,"open_by_state":`...)
	b = p.OpenByState.appendJSON(b)
	b = append(b, `,"open_by_colour":`...)
	b = p.OpenByColour.appendJSON(b)
	b = append(b, `,"slowest_departments":`...)
	b = appendSlice(b, p.SlowestDepartments, func(b []byte, d DepartmentFigures) []byte {
		b = append(b, `{"code":`...)
		b = appendString(b, d.Code)
		b = append(b, `,"name":`...)
		b = appendString(b, d.Name)
		b = append(b, `,"disposed":`...)
		b = strconv.AppendInt(b, d.Disposed, 10)
		b = append(b, `,"disposed_on_time":`...)
		b = strconv.AppendInt(b, d.DisposedOnTime, 10)
		b = append(b, `,"on_time_rate":`...)
		b = appendFloat(b, d.OnTimeRate)
		b = append(b, `,"overdue":`...)
		b = strconv.AppendInt(b, d.Overdue, 10)
		return append(b, '}')
	})
	for _, list := range []struct {
		key  string
		refs []EventRef
	}{{`,"overdue":`, p.Overdue}, {`,"supervised":`, p.Supervised}} {
		b = append(b, list.key...)
		if list.refs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for i, e := range list.refs {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = e.appendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"hotspots":`...)
	b = appendSlice(b, p.Hotspots, func(b []byte, h Hotspot) []byte {
		b = append(b, `{"grid_code":`...)
		b = appendString(b, h.GridCode)
		b = append(b, `,"name":`...)
		b = appendString(b, h.Name)
		b = append(b, `,"lng":`...)
		b = appendFloat(b, h.Lng)
		b = append(b, `,"lat":`...)
		b = appendFloat(b, h.Lat)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, h.Count, 10)
		return append(b, '}')
	})
	b = append(b, `,"children":`...)
	if p.Children == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range p.Children {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = c.appendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func (r RegionRef) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"code":`...)
	b = appendString(b, r.Code)
	b = append(b, `,"name":`...)
	b = appendString(b, r.Name)
	b = append(b, `,"level":`...)
	b, err := appendLevel(b, r.Level)
	if err != nil {
		return nil, err
	}
	if r.ParentCode != "" {
		b = append(b, `,"parent_code":`...)
		b = appendString(b, r.ParentCode)
	}
	return append(b, '}'), nil
}

func (f PeriodFigures) appendJSON(b []byte) []byte {
	b = append(b, `{"from":`...)
	b = appendString(b, f.From)
	b = append(b, `,"to":`...)
	b = appendString(b, f.To)
	b = append(b, `,"totals":`...)
	b = f.Totals.appendJSON(b)
	b = append(b, `,"rates":`...)
	b = f.Rates.appendJSON(b)
	return append(b, '}')
}

func (e EventRef) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"code":`...)
	b = appendString(b, e.Code)
	b = append(b, `,"title":`...)
	b = appendString(b, e.Title)
	b = append(b, `,"state":`...)
	b = appendString(b, e.State)
	b = append(b, `,"colour":`...)
	b = appendString(b, e.Colour)
	b = append(b, `,"grid_code":`...)
	b = appendString(b, e.GridCode)
	b = append(b, `,"deadline":`...)
	if e.Deadline == nil {
		b = append(b, "null"...)
	} else {
		var err error
		if b, err = appendTime(b, *e.Deadline); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func (c Child) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"code":`...)
	b = appendString(b, c.Code)
	b = append(b, `,"name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"level":`...)
	b, err := appendLevel(b, c.Level)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"measures":`...)
	m, ok := c.Measures.(*eventChildMeasures)
	if v, isValue := c.Measures.(eventChildMeasures); isValue {
		m, ok = &v, true
	}
	switch {
	case ok && m != nil:
		b = append(b, `{"closed":`...)
		b = strconv.AppendInt(b, m.Closed, 10)
		b = append(b, `,"closure_rate":`...)
		b = appendFloat(b, m.ClosureRate)
		b = append(b, `,"on_time_rate":`...)
		b = appendFloat(b, m.OnTimeRate)
		b = append(b, `,"overdue":`...)
		b = strconv.AppendInt(b, m.Overdue, 10)
		b = append(b, `,"reported":`...)
		b = strconv.AppendInt(b, m.Reported, 10)
		b = append(b, `,"satisfaction_rate":`...)
		b = appendFloat(b, m.SatisfactionRate)
		b = append(b, '}')
	default:
		v, err := json.Marshal(c.Measures)
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// appendJSON writes the counts as MarshalJSON does, into b.
func (c NamedCounts) appendJSON(b []byte) []byte {
	if c.names == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range c.names.order {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, c.names.keys[k]...)
		b = strconv.AppendInt(b, c.v[k], 10)
	}
	return append(b, '}')
}

// appendJSON writes the rates as MarshalJSON does, into b.
func (r NamedRates) appendJSON(b []byte) []byte {
	if r.names == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range r.names.order {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.names.keys[k]...)
		if r.set&(1<<k) == 0 {
			b = append(b, "null"...)
		} else {
			b = appendFloat(b, &r.v[k])
		}
	}
	return append(b, '}')
}

// appendSlice writes a list, null for a nil one.
func appendSlice[T any](b []byte, xs []T, each func([]byte, T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, x)
	}
	return append(b, ']')
}

func appendLevel(b []byte, l region.Level) ([]byte, error) {
	if !l.Valid() {
		return nil, errors.New("dashboard: invalid region level " + strconv.Itoa(int(l)))
	}
	b = append(b, '"')
	b = append(b, l.String()...)
	return append(b, '"'), nil
}

// appendTime writes a time as time.Time.MarshalJSON does.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, errors.New("dashboard: time year outside of range [0,9999]")
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

const hexDigits = "0123456789abcdef"

// plainByte marks the bytes a string of valid UTF-8 is written with as they
// are: printable ASCII but for quote, backslash and the HTML specials, and
// every byte of a multi-byte character but 0xE2, which begins U+2028 and
// U+2029.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c != 0xE2
	}
	return t
}()

// appendString writes a string as encoding/json does: quoted, with <, >
// and & escaped for HTML, invalid UTF-8 as U+FFFD, and U+2028 and U+2029
// escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		return appendInvalidString(b, s)
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plainByte[c] {
			continue
		}
		if c == 0xE2 {
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
				b = append(b, s[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		b = append(b, s[start:i]...)
		b = appendEscaped(b, c)
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendEscaped writes an ASCII byte that JSON or HTML needs escaped.
func appendEscaped(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// appendInvalidString writes a string that is not valid UTF-8, a rune at
// a time.
func appendInvalidString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !plainByte[c] {
				b = append(b, s[start:i]...)
				b = appendEscaped(b, c)
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
