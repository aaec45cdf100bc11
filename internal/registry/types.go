// Package registry is the person and house registry (人房): houses placed in
// grids, persons with sealed ID numbers and phones, their links to houses,
// special-group tags, and audited reveals of personal numbers.
package registry

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/db"
)

// Usage is what a house is used for.
type Usage string

var usages = []Usage{"self_occupied", "rented", "vacant", "commercial", "mixed", "other"}

// ResidenceType is a person's registration status.
type ResidenceType string

var residenceTypes = []ResidenceType{"registered", "resident", "floating", "foreign"}

// Household relations to the head of household.
var relations = []string{"head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "in_law", "other"}

// House links: a person lives at, owns, or rents a house.
var houseLinks = []string{"lives", "owns", "rents"}

// Tags of special groups (特殊人群) and key persons (重点人员). They are
// sensitive personal information: only roles that need them see them.
var knownTags = []string{
	"elderly_alone", "empty_nest", "widowed_childless", "disabled", "low_income", "left_behind_child",
	"key_mental_disorder", "key_drug_rehab", "key_community_correction", "key_released_prisoner", "key_petitioner",
}

// Tags returns the known tags.
func Tags() []string { return slices.Clone(knownTags) }

func oneOf[T ~string](v T, allowed []T) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return fmt.Errorf("must be one of %s, got %q", strings.Join(names, ", "), v)
}

// House is a dwelling or premises.
type House struct {
	ID          int64      `json:"id"`
	Code        string     `json:"code"`
	Estate      string     `json:"estate"`
	Building    string     `json:"building"`
	Unit        string     `json:"unit"`
	Room        string     `json:"room"`
	Address     string     `json:"address"`
	Location    *orb.Point `json:"location,omitempty"`
	GridCode    string     `json:"grid_code"`
	Usage       Usage      `json:"usage"`
	Structure   string     `json:"structure"`
	FloorAreaM2 *float64   `json:"floor_area_m2,omitempty"`
	Version     int        `json:"version"`
	regionPath  string
}

// HouseLink ties a person to a house.
type HouseLink struct {
	HouseCode string `json:"house_code"`
	Relation  string `json:"relation"`
	// houseID is set on links read from the registry.
	houseID int64
}

// same says whether two links name the same house in the same relation,
// whether or not either was read from the registry.
func (l HouseLink) same(o HouseLink) bool {
	return l.HouseCode == o.HouseCode && l.Relation == o.Relation
}

// Tag is a special-group tag with its validity.
type Tag struct {
	Tag   string `json:"tag"`
	Since string `json:"since,omitempty"`
	Until string `json:"until,omitempty"`
}

// PersonInput is a person as entered or imported. IDNumber and Phone are in
// clear only here, on their way to being sealed.
type PersonInput struct {
	Name          string
	IDNumber      string
	Phone         string
	ResidenceType ResidenceType
	HouseholdNo   string
	Relation      string
	GridCode      string
	Houses        []HouseLink
	Tags          []Tag
}

func checkText(fs interface{ Add(string, string) }, field, v string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		fs.Add(field, "is required")
	case utf8.RuneCountInString(v) > max:
		fs.Add(field, fmt.Sprintf("must be at most %d characters", max))
	case strings.ContainsAny(v, "<>"):
		fs.Add(field, "must not contain < or >")
	}
}

// checkDate reports whether v is empty or a date as YYYY-MM-DD.
func checkDate(fs interface{ Add(string, string) }, field, v string) bool {
	if v == "" {
		return true
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		fs.Add(field, "must be a date as YYYY-MM-DD")
		return false
	}
	return true
}

// checkTag checks a tag's dates: each a date, and the end not before the
// start (a tag in force for one day has since = until).
func checkTag(fs interface{ Add(string, string) }, field string, t Tag) {
	okSince := checkDate(fs, field+".since", t.Since)
	okUntil := checkDate(fs, field+".until", t.Until)
	// Dates as YYYY-MM-DD compare as strings.
	if okSince && okUntil && t.Since != "" && t.Until != "" && t.Until < t.Since {
		fs.Add(field+".until", fmt.Sprintf("must not be before since (%s): a tag cannot end before it begins", t.Since))
	}
}

// outcome says what a save did.
type outcome int

const (
	unchanged outcome = iota
	created
	updated
)

func isUnique(err error) bool { return err != nil && db.IsUniqueViolation(err) }
