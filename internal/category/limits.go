package category

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/region"
)

// Step is one timed step of the event loop.
type Step string

const (
	Receive  Step = "receive"  // 受理
	Register Step = "register" // 立案
	Dispatch Step = "dispatch" // 派遣
	Handle   Step = "handle"   // 处置
	Verify   Step = "verify"   // 核查
)

// Steps lists the timed steps in the order an event passes them.
func Steps() []Step { return []Step{Receive, Register, Dispatch, Handle, Verify} }

// Unit says how a limit is counted: working hours or working days against the
// holiday calendar (see internal/workcal).
type Unit string

const (
	Hours Unit = "hours"
	Days  Unit = "days"
)

// Bounds of one limit: days are whole (workcal counts whole working days),
// hours are whole minutes. The maxima only catch typing mistakes.
const (
	maxHours = 2000
	maxDays  = 365
)

// Amount is one time limit, e.g. {4, hours} or {20, days}.
type Amount struct {
	Amount float64 `json:"amount"`
	Unit   Unit    `json:"unit"`
}

// StepLimits holds a limit per step; nil means "not set here".
type StepLimits struct {
	Receive  *Amount `json:"receive,omitempty"`
	Register *Amount `json:"register,omitempty"`
	Dispatch *Amount `json:"dispatch,omitempty"`
	Handle   *Amount `json:"handle,omitempty"`
	Verify   *Amount `json:"verify,omitempty"`
}

func (s *StepLimits) slot(step Step) **Amount {
	switch step {
	case Receive:
		return &s.Receive
	case Register:
		return &s.Register
	case Dispatch:
		return &s.Dispatch
	case Handle:
		return &s.Handle
	case Verify:
		return &s.Verify
	}
	return nil
}

// Get returns the limit of a step, or nil.
func (s StepLimits) Get(step Step) *Amount {
	if p := s.slot(step); p != nil {
		return *p
	}
	return nil
}

func (s StepLimits) empty() bool {
	for _, st := range Steps() {
		if s.Get(st) != nil {
			return false
		}
	}
	return true
}

// Limits are a leaf category's time limits: every step at the base, and
// optional overrides for events handled at a given level (a township's
// mediation may get less time than the county's, say).
type Limits struct {
	StepLimits
	Levels map[region.Level]StepLimits `json:"levels,omitempty"`
}

// Limit returns the limit of a step for an event handled at level: the
// level's override when there is one, the base otherwise. It returns (0, "")
// only for Limits that did not pass Validate.
func (l Limits) Limit(step Step, level region.Level) (float64, Unit) {
	if o, ok := l.Levels[level]; ok {
		if a := o.Get(step); a != nil {
			return a.Amount, a.Unit
		}
	}
	if a := l.Get(step); a != nil {
		return a.Amount, a.Unit
	}
	return 0, ""
}

// Clone returns a deep copy, so that callers cannot change a shared value.
func (l Limits) Clone() Limits {
	out := Limits{StepLimits: l.StepLimits.clone()}
	if l.Levels != nil {
		out.Levels = make(map[region.Level]StepLimits, len(l.Levels))
		for k, v := range l.Levels {
			out.Levels[k] = v.clone()
		}
	}
	return out
}

func (s StepLimits) clone() StepLimits {
	var out StepLimits
	for _, st := range Steps() {
		if a := s.Get(st); a != nil {
			c := *a
			*out.slot(st) = &c
		}
	}
	return out
}

// Validate checks the limits, naming each bad field under prefix (usually
// "limits"): every step set at the base, units hours or days, amounts
// positive, days whole, hours whole minutes, overrides only for real levels.
func (l Limits) Validate(prefix string) error {
	var fs apperr.Fields
	l.validate(prefix, &fs)
	return fs.Err()
}

func (l Limits) validate(prefix string, fs *apperr.Fields) {
	for _, st := range Steps() {
		a := l.Get(st)
		if a == nil {
			fs.Add(prefix+"."+string(st), "is required")
			continue
		}
		a.validate(prefix+"."+string(st), fs)
	}
	for _, lv := range slices.Sorted(maps.Keys(l.Levels)) {
		name := prefix + ".levels." + levelKey(lv)
		if !lv.Valid() {
			fs.Add(name, "must be one of city, county, township, village, grid")
			continue
		}
		o := l.Levels[lv]
		if o.empty() {
			fs.Add(name, "must override at least one step")
			continue
		}
		for _, st := range Steps() {
			if a := o.Get(st); a != nil {
				a.validate(name+"."+string(st), fs)
			}
		}
	}
}

func levelKey(l region.Level) string {
	if l.Valid() {
		return l.String()
	}
	return fmt.Sprint(int(l))
}

func (a Amount) validate(name string, fs *apperr.Fields) {
	switch a.Unit {
	case Hours, Days:
	case "":
		fs.Add(name+".unit", "is required: hours or days")
	default:
		fs.Add(name+".unit", "must be hours or days")
	}
	switch {
	case math.IsNaN(a.Amount) || math.IsInf(a.Amount, 0):
		fs.Add(name+".amount", "must be a number")
	case a.Amount <= 0:
		fs.Add(name+".amount", "must be > 0")
	case a.Unit == Days && a.Amount > maxDays:
		fs.Add(name+".amount", fmt.Sprintf("must be at most %d days", maxDays))
	case a.Unit == Days && a.Amount != math.Trunc(a.Amount):
		fs.Add(name+".amount", "must be a whole number of days")
	case a.Unit == Hours && a.Amount > maxHours:
		fs.Add(name+".amount", fmt.Sprintf("must be at most %d hours", maxHours))
	case a.Unit == Hours && math.Abs(a.Amount*60-math.Round(a.Amount*60)) > 1e-9:
		fs.Add(name+".amount", "must be a whole number of minutes (e.g. 0.5 for 30 minutes)")
	}
}

// MarshalJSON writes the levels by name, in level order.
func (l Limits) MarshalJSON() ([]byte, error) {
	type plain struct {
		StepLimits
		Levels map[string]StepLimits `json:"levels,omitempty"`
	}
	p := plain{StepLimits: l.StepLimits}
	if len(l.Levels) > 0 {
		p.Levels = make(map[string]StepLimits, len(l.Levels))
		for k, v := range l.Levels {
			p.Levels[levelKey(k)] = v
		}
	}
	return json.Marshal(p)
}

// UnmarshalJSON reads limits strictly (see ParseLimits) without validating
// the values, so that stored limits always load.
func (l *Limits) UnmarshalJSON(b []byte) error {
	var fs apperr.Fields
	v := decodeLimits(b, "limits", &fs)
	if err := fs.Err(); err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLimits reads limits from JSON and validates them. Every refusal is an
// apperr field error named from "limits" down, e.g. "limits.handle.amount":
// unknown fields, wrong types, unknown levels and bad values alike.
func ParseLimits(b []byte) (Limits, error) {
	var fs apperr.Fields
	l := decodeLimits(b, "limits", &fs)
	if err := fs.Err(); err != nil {
		return Limits{}, err
	}
	if err := l.Validate("limits"); err != nil {
		return Limits{}, err
	}
	return l, nil
}

// decodeLimits walks the JSON by hand because encoding/json names neither the
// path of an unknown field nor that of a duplicate level.
func decodeLimits(b []byte, name string, fs *apperr.Fields) Limits {
	obj, ok := object(b, name, fs)
	if !ok {
		return Limits{}
	}
	var l Limits
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		raw := obj[key]
		if key == "levels" {
			l.Levels = decodeLevels(raw, name+".levels", fs)
			continue
		}
		slot := l.slot(Step(key))
		if slot == nil {
			fs.Add(name+"."+key, "is not a known field (want receive, register, dispatch, handle, verify, levels)")
			continue
		}
		*slot = decodeAmount(raw, name+"."+key, fs)
	}
	return l
}

func decodeLevels(b []byte, name string, fs *apperr.Fields) map[region.Level]StepLimits {
	obj, ok := object(b, name, fs)
	if !ok || len(obj) == 0 {
		return nil
	}
	out := make(map[region.Level]StepLimits, len(obj))
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		lv, err := region.ParseLevel(key)
		if err != nil {
			fs.Add(name+"."+key, "is not a level (want city, county, township, village or grid)")
			continue
		}
		if _, dup := out[lv]; dup {
			fs.Add(name+"."+key, fmt.Sprintf("gives the %s level twice", lv))
			continue
		}
		steps, ok := object(obj[key], name+"."+key, fs)
		if !ok {
			continue
		}
		var s StepLimits
		for _, sk := range slices.Sorted(maps.Keys(steps)) {
			slot := s.slot(Step(sk))
			if slot == nil {
				fs.Add(name+"."+key+"."+sk, "is not a known step (want receive, register, dispatch, handle, verify)")
				continue
			}
			*slot = decodeAmount(steps[sk], name+"."+key+"."+sk, fs)
		}
		out[lv] = s
	}
	return out
}

func decodeAmount(b []byte, name string, fs *apperr.Fields) *Amount {
	obj, ok := object(b, name, fs)
	if !ok {
		return nil
	}
	a := &Amount{}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		raw := obj[key]
		switch key {
		case "amount":
			if err := json.Unmarshal(raw, &a.Amount); err != nil || isNull(raw) {
				fs.Add(name+".amount", "must be a number")
			}
		case "unit":
			var u string
			if err := json.Unmarshal(raw, &u); err != nil || isNull(raw) {
				fs.Add(name+".unit", "must be a string: hours or days")
			}
			a.Unit = Unit(strings.TrimSpace(u))
		default:
			fs.Add(name+"."+key, "is not a known field (want amount, unit)")
		}
	}
	return a
}

// object decodes a JSON object, recording a field error when b is anything else.
func object(b []byte, name string, fs *apperr.Fields) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		fs.Add(name, "must be a JSON object")
		return nil, false
	}
	return obj, true
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }
