package workcal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Override makes one date an off day or a working day whatever its weekday
// says. The JSON names are those of the holiday-cn files (and of the State
// Council notices they transcribe), so one format serves imports, exports
// and the stored calendar.
type Override struct {
	// Name is the holiday the date belongs to, e.g. "春节"; a make-up
	// working day (调休上班) carries the name of the holiday it pays for.
	Name string `json:"name"`
	Date Date   `json:"date"`
	// IsOffDay is true for a day off and false for a working day.
	IsOffDay bool `json:"isOffDay"`
}

// Year is one year's holiday arrangement in the holiday-cn format
// (https://github.com/NateScarlet/holiday-cn):
//
//	{"year": 2026, "papers": ["https://www.gov.cn/…"],
//	 "days": [{"name": "元旦", "date": "2026-01-01", "isOffDay": true}, …]}
//
// Days may include the last days of the previous December: the notice for
// year Y arranges the New Year holiday, which can begin on December 31 of
// Y−1 (2023.json lists 2022-12-31).
type Year struct {
	Year int `json:"year"`
	// Papers are the addresses of the notices the days come from.
	Papers []string   `json:"papers,omitempty"`
	Days   []Override `json:"days"`
}

// maxHolidayFile bounds what ParseHolidays reads; a real year is ~5 KiB.
const maxHolidayFile = 1 << 20

// ParseHolidays reads one year in the holiday-cn format. Unknown fields
// ("$schema", "$id") are ignored. It refuses, naming the field and the
// reason, a missing or non-integer year, a missing or malformed days list,
// a day without a name, a date that is not YYYY-MM-DD or not in the declared
// year (or the December before it), a missing isOffDay, and a date listed
// twice. Refusals are apperr Invalid errors listing every bad field.
func ParseHolidays(r io.Reader) (Year, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxHolidayFile+1))
	if err != nil {
		return Year{}, fmt.Errorf("parse holidays: read: %w", err)
	}
	if len(data) > maxHolidayFile {
		return Year{}, fmt.Errorf("parse holidays: %w", apperr.New(apperr.Invalid, "holiday file larger than %d bytes", maxHolidayFile))
	}
	y, err := parseHolidays(data)
	if err != nil {
		return Year{}, fmt.Errorf("parse holidays: %w", err)
	}
	return y, nil
}

func parseHolidays(data []byte) (Year, error) {
	var top map[string]json.RawMessage
	if err := decodeOne(data, &top); err != nil {
		return Year{}, notAnObject(err)
	}
	if top == nil {
		return Year{}, apperr.New(apperr.Invalid, "holiday file is not a JSON object: null")
	}
	var (
		fs apperr.Fields
		y  Year
	)
	yearOK := false
	if raw, ok := top["year"]; !ok {
		fs.Add("year", "missing")
	} else if n, err := strconv.Atoi(string(bytes.TrimSpace(raw))); err != nil {
		fs.Add("year", "want an integer, got "+clip(raw))
	} else if n < 2 || n > 9999 {
		fs.Add("year", fmt.Sprintf("%d is out of range 2–9999", n))
	} else {
		y.Year, yearOK = n, true
	}
	if raw, ok := top["papers"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &y.Papers); err != nil {
			fs.Add("papers", "want a list of strings, got "+clip(raw))
		}
	}
	var days []json.RawMessage
	if raw, ok := top["days"]; !ok || isNull(raw) {
		fs.Add("days", "missing")
	} else if err := json.Unmarshal(raw, &days); err != nil {
		fs.Add("days", "want a list of days, got "+clip(raw))
	}
	y.Days = make([]Override, 0, len(days))
	seen := make(map[Date]int, len(days))
	for i, raw := range days {
		at := fmt.Sprintf("days[%d]", i)
		var day map[string]json.RawMessage
		if err := json.Unmarshal(raw, &day); err != nil || day == nil {
			fs.Add(at, "want an object with name, date and isOffDay, got "+clip(raw))
			continue
		}
		var o Override
		ok := true
		if v, present := day["name"]; !present {
			fs.Add(at+".name", "missing")
			ok = false
		} else if err := json.Unmarshal(v, &o.Name); err != nil || isNull(v) {
			fs.Add(at+".name", "want a string, got "+clip(v))
			ok = false
		} else if o.Name == "" {
			fs.Add(at+".name", "empty")
			ok = false
		}
		var s string
		if v, present := day["date"]; !present {
			fs.Add(at+".date", "missing")
			ok = false
		} else if err := json.Unmarshal(v, &s); err != nil || isNull(v) {
			fs.Add(at+".date", "want a string YYYY-MM-DD, got "+clip(v))
			ok = false
		} else if d, err := ParseDate(s); err != nil {
			fs.Add(at+".date", err.Error())
			ok = false
		} else {
			o.Date = d
			if yearOK && !inHolidayYear(d, y.Year) {
				fs.Add(at+".date", fmt.Sprintf("%s is outside the declared year %d and the December before it", d, y.Year))
				ok = false
			} else if j, dup := seen[d]; dup {
				fs.Add(at+".date", fmt.Sprintf("%s is listed twice, first at days[%d]", d, j))
				ok = false
			} else {
				seen[d] = i
			}
		}
		if v, present := day["isOffDay"]; !present {
			fs.Add(at+".isOffDay", "missing")
			ok = false
		} else if err := json.Unmarshal(v, &o.IsOffDay); err != nil || isNull(v) {
			fs.Add(at+".isOffDay", "want true or false, got "+clip(v))
			ok = false
		}
		if ok {
			y.Days = append(y.Days, o)
		}
	}
	if len(fs) > 0 {
		return Year{}, &apperr.Error{Code: apperr.Invalid, Message: "holiday file refused", Fields: fs}
	}
	return y, nil
}

// inHolidayYear reports whether a holiday file for year may list d.
func inHolidayYear(d Date, year int) bool {
	return d.Year == year || (d.Year == year-1 && d.Month == 12)
}

// errTrailing is data after the one JSON value of a file.
var errTrailing = errors.New("data after the JSON value")

// decodeOne decodes exactly one JSON value from data.
func decodeOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errTrailing
	}
	return nil
}

// notAnObject words why decodeOne could not read a holiday file as one
// JSON object, in words of its own rather than the decoder's.
func notAnObject(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errTrailing):
		return apperr.New(apperr.Invalid, "holiday file is not a JSON object: unexpected data after the JSON value")
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "holiday file is not a JSON object: the file is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "holiday file is not a JSON object: it is not valid JSON (it ends too early)")
	case errors.As(err, &syntax):
		return apperr.New(apperr.Invalid, "holiday file is not a JSON object: it is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typeErr) && typeErr.Value == "array":
		return apperr.New(apperr.Invalid, "holiday file is not a JSON object: it is an array")
	case errors.As(err, &typeErr) && typeErr.Value == "string":
		return apperr.New(apperr.Invalid, "holiday file is not a JSON object: it is a string")
	case errors.As(err, &typeErr) && typeErr.Value == "bool":
		return apperr.New(apperr.Invalid, "holiday file is not a JSON object: it is true or false")
	default:
		return apperr.New(apperr.Invalid, "holiday file is not a JSON object: it is a number")
	}
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// clip quotes a JSON fragment for a message, shortened so that a huge or
// hostile value does not flood the error.
func clip(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return s
}
