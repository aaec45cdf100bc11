// Package category keeps the configurable tree of event categories (data, not
// code): groups and leaves, and per leaf its registration and closing
// standards, default urgency, time limits per step and handling level, and
// the yellow/red warning thresholds.
//
// Codes are stable ASCII names, one lowercase segment per level joined by
// dots: a child's code is its parent's code, a dot and one segment
// ("dispute" → "dispute.neighbour"). So a code names its ancestors, which is
// what routing relies on (a rule on "dispute" covers "dispute.neighbour"),
// and leaf codes serve as Open311 service codes as they are. Codes never
// change; a category that is no longer wanted is deactivated.
package category

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/region"
)

// Urgency is the urgency an event of a category gets unless the reporter or
// the center says otherwise; emergency events take the fast path.
type Urgency string

const (
	Normal    Urgency = "normal"
	Urgent    Urgency = "urgent"
	Emergency Urgency = "emergency"
)

// Valid reports whether u is one of the three urgencies.
func (u Urgency) Valid() bool { return u == Normal || u == Urgent || u == Emergency }

// Default warning thresholds, as shares of a step's limit: yellow at 80%, red
// when the limit is used up.
const (
	DefaultYellowAt = 0.8
	DefaultRedAt    = 1.0
	// maxRedAt allows a red card later than the deadline (some centers give
	// the red card at 150% or 200%), but not by accident.
	maxRedAt = 3.0
	maxDepth = 4
)

// Category is one node of the tree. Groups (Leaf false) only hold children;
// leaves are what events are filed under and carry the rest.
type Category struct {
	Code       string   `json:"code"`
	ParentCode string   `json:"parent_code,omitempty"`
	Name       string   `json:"name"`
	NameEn     string   `json:"name_en"`
	Keywords   []string `json:"keywords"`
	Sort       int      `json:"sort"`
	Leaf       bool     `json:"leaf"`
	// RegistrationStandard says when a report is registered as an event
	// (立案标准); ClosingStandard when it may be closed (结案标准).
	RegistrationStandard string  `json:"registration_standard,omitempty"`
	ClosingStandard      string  `json:"closing_standard,omitempty"`
	DefaultUrgency       Urgency `json:"default_urgency,omitempty"`
	Limits               *Limits `json:"limits,omitempty"`
	// YellowAt and RedAt are the shares of a limit at which an open step
	// turns yellow (warning) and red; 0 < YellowAt < RedAt.
	YellowAt float64 `json:"yellow_at"`
	RedAt    float64 `json:"red_at"`
	// Private marks a category whose events concern a person rather than a
	// place (disputes, policing, care): public views (Open311, the residents'
	// nearby list) show their category, status and dates only. It holds for
	// every category under this one too.
	Private   bool      `json:"private"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// Limit returns a leaf's limit for a step when handled at level; (0, "") for
// a group.
func (c Category) Limit(step Step, level region.Level) (float64, Unit) {
	if c.Limits == nil {
		return 0, ""
	}
	return c.Limits.Limit(step, level)
}

// Clone returns a deep copy.
func (c Category) Clone() Category {
	c.Keywords = append([]string(nil), c.Keywords...)
	if c.Limits != nil {
		l := c.Limits.Clone()
		c.Limits = &l
	}
	return c
}

var segmentPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// ParentOf returns the code of a code's parent ("" for a top-level code).
func ParentOf(code string) string {
	if i := strings.LastIndexByte(code, '.'); i >= 0 {
		return code[:i]
	}
	return ""
}

// ValidateCode checks the form of a code and that it extends its parent's.
func ValidateCode(code, parentCode string) error {
	if code == "" {
		return fmt.Errorf("is required")
	}
	if len(code) > 100 {
		return fmt.Errorf("must be at most 100 characters")
	}
	segs := strings.Split(code, ".")
	if len(segs) > maxDepth {
		return fmt.Errorf("the tree is at most %d levels deep", maxDepth)
	}
	for _, s := range segs {
		if !segmentPattern.MatchString(s) {
			return fmt.Errorf("each dot-separated part must be 1-32 lowercase letters, digits or '_', starting with a letter")
		}
	}
	if ParentOf(code) != parentCode {
		if parentCode == "" {
			return fmt.Errorf("a top-level code has no dots")
		}
		return fmt.Errorf("must be the parent's code, a dot and one part, e.g. %s.example", parentCode)
	}
	return nil
}

// validate checks a category about to be stored; the parent (nil for a
// top-level category) was loaded by the caller.
func (c *Category) validate(parent *Category) error {
	var fs apperr.Fields
	c.Code = strings.TrimSpace(c.Code)
	c.ParentCode = strings.TrimSpace(c.ParentCode)
	if err := ValidateCode(c.Code, c.ParentCode); err != nil {
		fs.Add("code", err.Error())
	}
	if parent != nil {
		switch {
		case parent.Leaf:
			fs.Add("parent_code", fmt.Sprintf("%s is a leaf; only groups have children", parent.Code))
		case !parent.Active:
			fs.Add("parent_code", fmt.Sprintf("%s is inactive", parent.Code))
		}
	}
	c.checkFields(&fs)
	return fs.Err()
}

// checkFields checks everything but the code and the parent.
func (c *Category) checkFields(fs *apperr.Fields) {
	c.Name = strings.TrimSpace(c.Name)
	c.NameEn = strings.TrimSpace(c.NameEn)
	text(fs, "name", c.Name, 50, true)
	text(fs, "name_en", c.NameEn, 100, true)
	c.Keywords = checkKeywords(fs, c.Keywords)
	if c.Sort < 0 || c.Sort > 9999 {
		fs.Add("sort", "must be between 0 and 9999")
	}
	c.RegistrationStandard = strings.TrimSpace(c.RegistrationStandard)
	c.ClosingStandard = strings.TrimSpace(c.ClosingStandard)
	if !c.Leaf {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"registration_standard", c.RegistrationStandard != ""},
			{"closing_standard", c.ClosingStandard != ""},
			{"default_urgency", c.DefaultUrgency != ""},
			{"limits", c.Limits != nil},
		} {
			if f.set {
				fs.Add(f.name, "only leaves have one; this category is a group")
			}
		}
	} else {
		text(fs, "registration_standard", c.RegistrationStandard, 1000, true)
		text(fs, "closing_standard", c.ClosingStandard, 1000, true)
		if c.DefaultUrgency == "" {
			c.DefaultUrgency = Normal
		}
		if !c.DefaultUrgency.Valid() {
			fs.Add("default_urgency", "must be normal, urgent or emergency")
		}
		if c.Limits == nil {
			fs.Add("limits", "is required for a leaf")
		} else {
			c.Limits.validate("limits", fs)
		}
	}
	checkThresholds(fs, c.YellowAt, c.RedAt)
}

func checkThresholds(fs *apperr.Fields, yellow, red float64) {
	okY := !math.IsNaN(yellow) && yellow > 0 && yellow < 1
	okR := !math.IsNaN(red) && red > 0 && red <= maxRedAt
	if !okY {
		fs.Add("yellow_at", "must be between 0 and 1 (a share of the limit, e.g. 0.8)")
	}
	if !okR {
		fs.Add("red_at", fmt.Sprintf("must be greater than 0 and at most %g", maxRedAt))
	}
	if okY && okR && yellow >= red {
		fs.Add("yellow_at", "must be less than red_at")
	}
}

func text(fs *apperr.Fields, name, v string, max int, required bool) {
	switch {
	case required && v == "":
		fs.Add(name, "must not be empty")
	case utf8.RuneCountInString(v) > max:
		fs.Add(name, fmt.Sprintf("must be at most %d characters", max))
	case strings.ContainsAny(v, "\x00\r\n\t") && max <= 100:
		fs.Add(name, "must be a single line")
	}
}

func checkKeywords(fs *apperr.Fields, kws []string) []string {
	out := make([]string, 0, len(kws))
	seen := map[string]bool{}
	for i, k := range kws {
		k = strings.TrimSpace(k)
		name := fmt.Sprintf("keywords[%d]", i)
		switch {
		case k == "":
			fs.Add(name, "must not be empty")
		case utf8.RuneCountInString(k) > 30:
			fs.Add(name, "must be at most 30 characters")
		case seen[k]:
			fs.Add(name, fmt.Sprintf("%q is given twice", k))
		default:
			seen[k] = true
			out = append(out, k)
		}
	}
	if len(kws) > 20 {
		fs.Add("keywords", "must be at most 20")
	}
	return out
}
