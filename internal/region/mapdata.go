package region

import (
	"fmt"
	"regexp"

	"github.com/paulmach/orb"
)

// GridKind separates the ordinary grids that together cover all land from
// grids drawn for one unit (a school, a hospital, an industrial park).
type GridKind string

const (
	Comprehensive GridKind = "comprehensive"
	Exclusive     GridKind = "exclusive"
)

// Subtypes of exclusive grids known to the console; others are accepted as
// long as they are short lower-case words.
var KnownSubtypes = []string{"school", "hospital", "enterprise", "industrial_park", "market", "government", "scenic_area", "construction_site"}

var subtypePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// ValidateKind checks a grid's kind and subtype.
func ValidateKind(kind GridKind, subtype string) error {
	switch kind {
	case Comprehensive:
		if subtype != "" {
			return fmt.Errorf("a comprehensive grid has no subtype")
		}
	case Exclusive:
		if !subtypePattern.MatchString(subtype) {
			return fmt.Errorf("an exclusive grid needs a subtype such as school, hospital, enterprise, industrial_park or market")
		}
	default:
		return fmt.Errorf("kind must be comprehensive or exclusive, got %q", kind)
	}
	return nil
}

// Layers of the overlay networks laid over the grids (多网合一). Custom layers
// are any other short lower-case word.
const (
	LayerPolice    = "police"
	LayerMediation = "mediation"
)

var layerPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// ValidateLayer checks an overlay layer name.
func ValidateLayer(layer string) error {
	if !layerPattern.MatchString(layer) {
		return fmt.Errorf("layer must be a lower-case word such as police or mediation, got %q", layer)
	}
	return nil
}

// Overlay is one polygon of another department's network (警务网格,
// 调解网格, ...). Boundary is in WGS-84.
type Overlay struct {
	Layer    string
	Code     string
	Name     string
	Boundary orb.MultiPolygon
}

// OverlayLink says that an overlay polygon serves a comprehensive grid:
// Share is the part of the grid's area that the overlay covers (0..1].
type OverlayLink struct {
	Layer       string
	OverlayCode string
	GridCode    string
	Share       float64
}

// Station is a fixed service point in a grid (网格驿站). Location is WGS-84.
type Station struct {
	Code         string
	Name         string
	Address      string
	OpeningHours string
	Location     orb.Point
	GridCode     string
}
