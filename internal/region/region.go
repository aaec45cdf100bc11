// Package region holds the five-level region tree (city, county, township,
// village, grid) and the scope check every query uses: a user scoped to a
// region sees that region's subtree and nothing else.
package region

import (
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Level is a region's depth in the tree, 1 (city) to 5 (grid).
type Level int

const (
	City     Level = 1
	County   Level = 2
	Township Level = 3
	Village  Level = 4
	Grid     Level = 5
)

var levelNames = [...]string{City: "city", County: "county", Township: "township", Village: "village", Grid: "grid"}

func (l Level) String() string {
	if l < City || l > Grid {
		return fmt.Sprintf("level(%d)", int(l))
	}
	return levelNames[l]
}

// Valid reports whether l is one of the five levels.
func (l Level) Valid() bool { return l >= City && l <= Grid }

// MarshalText writes the level by name, as the API and CLI use it.
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("invalid level %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText accepts a level name or its number.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLevel accepts "city".."grid" or "1".."5".
func ParseLevel(s string) (Level, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for l := City; l <= Grid; l++ {
		if s == levelNames[l] || s == fmt.Sprint(int(l)) {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown level %q (want city, county, township, village or grid)", s)
}

// codeLength is the number of digits of a code at each level: GB/T 2260 six
// digits for city and county, the statistical code's nine and twelve for
// township and village, and the village code plus a three-digit serial for grids.
var codeLength = [...]int{City: 6, County: 6, Township: 9, Village: 12, Grid: 15}

// Region is one node of the tree.
type Region struct {
	Code       string     `json:"code"`
	Name       string     `json:"name"`
	Level      Level      `json:"level"`
	ParentCode string     `json:"parent_code,omitempty"`
	Path       string     `json:"path"`
	ValidFrom  time.Time  `json:"valid_from"`
	ValidTo    *time.Time `json:"valid_to,omitempty"`
	Version    int        `json:"version"`
	// Kind and Subtype apply to grids only.
	Kind    GridKind `json:"kind,omitempty"`
	Subtype string   `json:"subtype,omitempty"`
	// Boundary is the outline in WGS-84/CGCS2000, nil when not drawn yet.
	Boundary orb.MultiPolygon `json:"-"`
	// BBox is [minLng, minLat, maxLng, maxLat] of the boundary, and AreaM2
	// its area; both are absent without a boundary.
	BBox   []float64 `json:"bbox,omitempty"`
	AreaM2 *float64  `json:"area_m2,omitempty"`
}

// ValidateCode checks that code has the form of a code at level l and, when a
// parent code is given, that it extends the parent's code as the national
// coding scheme requires.
func ValidateCode(code string, l Level, parentCode string) error {
	if !l.Valid() {
		return fmt.Errorf("unknown level %d", int(l))
	}
	want := codeLength[l]
	if len(code) != want {
		return fmt.Errorf("a %s code has %d digits, got %d", l, want, len(code))
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return fmt.Errorf("code must be digits only")
		}
	}
	switch l {
	case City:
		if code[4:] != "00" {
			return fmt.Errorf("a city code ends in 00")
		}
		if code[2:4] == "00" {
			return fmt.Errorf("%s is a province code, not a city", code)
		}
	case County:
		if code[4:] == "00" {
			return fmt.Errorf("a county code does not end in 00")
		}
		if parentCode != "" && code[:4] != parentCode[:min(4, len(parentCode))] {
			return fmt.Errorf("county %s is not under city %s", code, parentCode)
		}
	case Township:
		if code[6:] == "000" {
			return fmt.Errorf("township serial 000 is not used")
		}
	case Village:
		if code[9:] == "000" {
			return fmt.Errorf("village serial 000 is not used")
		}
	case Grid:
		if code[12:] == "000" {
			return fmt.Errorf("grid serial 000 is not used")
		}
	}
	if l > County && parentCode != "" && !strings.HasPrefix(code, parentCode) {
		return fmt.Errorf("%s %s does not begin with its parent's code %s", l, code, parentCode)
	}
	return nil
}

// Validate checks a region about to be stored, given its parent (nil for a city).
func (r *Region) Validate(parent *Region) error {
	var fs apperr.Fields
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		fs.Add("name", "must not be empty")
	} else if len([]rune(r.Name)) > 100 {
		fs.Add("name", "must be at most 100 characters")
	}
	if !r.Level.Valid() {
		fs.Add("level", "must be one of city, county, township, village, grid")
		return fs.Err()
	}
	switch {
	case r.Level == City && r.ParentCode != "":
		fs.Add("parent_code", "a city has no parent")
	case r.Level != City && r.ParentCode == "":
		fs.Add("parent_code", fmt.Sprintf("a %s needs a parent", r.Level))
	case parent != nil && parent.Level != r.Level-1:
		fs.Add("parent_code", fmt.Sprintf("the parent of a %s must be a %s, %s is a %s", r.Level, r.Level-1, parent.Code, parent.Level))
	}
	if err := ValidateCode(r.Code, r.Level, r.ParentCode); err != nil {
		fs.Add("code", err.Error())
	}
	if r.Level == Grid {
		if r.Kind == "" {
			r.Kind = Comprehensive
		}
		if err := ValidateKind(r.Kind, r.Subtype); err != nil {
			fs.Add("kind", err.Error())
		}
	} else if r.Kind != "" || r.Subtype != "" {
		fs.Add("kind", "only grids have a kind and subtype")
	}
	if r.ValidTo != nil && !r.ValidTo.After(r.ValidFrom) {
		fs.Add("valid_to", "must be after valid_from")
	}
	return fs.Err()
}

// ChildPath is the path of a child with the given code under parentPath
// ("" for a city).
func ChildPath(parentPath, code string) string {
	if parentPath == "" {
		return "/" + code + "/"
	}
	return parentPath + code + "/"
}
