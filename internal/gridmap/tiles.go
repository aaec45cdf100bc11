package gridmap

import (
	"container/list"
	"fmt"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/region"
)

// TileLayers are the layers a tile may hold, with the lowest zoom at which
// each is drawn; below it a layer is too dense to be useful and is left empty.
var TileLayers = map[string]maptile.Zoom{
	"county": 0, "township": 8, "village": 10, "grid": 11, "exclusive": 11,
	"police": 11, "mediation": 11, "stations": 12,
}

// MaxTileZoom bounds tile requests.
const MaxTileZoom = 20

// ParseTileLayers checks a comma-separated layer list.
func ParseTileLayers(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return []string{"county", "township", "village", "grid", "exclusive"}, nil
	}
	var out []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if _, ok := TileLayers[name]; !ok {
			return nil, apperr.Field("layers", fmt.Sprintf("unknown layer %q (known: county, township, village, grid, exclusive, police, mediation, stations)", name))
		}
		out = append(out, name)
	}
	return out, nil
}

// tileCache keeps recently drawn tiles; the key holds the map version, so a
// change of the map makes old entries unreachable and they age out.
type tileCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[string]*list.Element
}

type tileEntry struct {
	key  string
	data []byte
}

func newTileCache(max int) *tileCache {
	return &tileCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *tileCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*tileEntry).data, true
	}
	return nil, false
}

func (c *tileCache) put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&tileEntry{key: key, data: data})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*tileEntry).key)
	}
}

// Tiler draws Mapbox vector tiles from the in-memory map.
type Tiler struct {
	loc   *Locator
	cache *tileCache
}

// NewTiler returns a Tiler over the locator's snapshots.
func NewTiler(loc *Locator) *Tiler { return &Tiler{loc: loc, cache: newTileCache(4096)} }

// Tile returns the encoded tile z/x/y with the requested layers, holding only
// what lies inside the scope.
func (t *Tiler) Tile(scope region.Scope, z, x, y int, layers []string) ([]byte, error) {
	if z < 0 || z > MaxTileZoom {
		return nil, apperr.Field("z", fmt.Sprintf("must be between 0 and %d", MaxTileZoom))
	}
	n := 1 << z
	if x < 0 || x >= n || y < 0 || y >= n {
		return nil, apperr.Field("x", fmt.Sprintf("tile %d/%d/%d does not exist", z, x, y))
	}
	snap := t.loc.current()
	key := fmt.Sprintf("%d|%s|%d/%d/%d|%s", snap.version, scope.Path(), z, x, y, strings.Join(layers, ","))
	if scope.IsAll() {
		key = fmt.Sprintf("%d|*|%d/%d/%d|%s", snap.version, z, x, y, strings.Join(layers, ","))
	}
	if data, ok := t.cache.get(key); ok {
		return data, nil
	}
	tile := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	bound := tile.Bound(0.05) // a little buffer so outlines continue across tile edges
	var out mvt.Layers
	for _, name := range layers {
		layer := &mvt.Layer{Name: name, Version: 2, Extent: mvt.DefaultExtent}
		if maptile.Zoom(z) >= TileLayers[name] {
			layer.Features = snap.tileFeatures(name, bound, scope)
		}
		out = append(out, layer)
	}
	out.ProjectToTile(tile)
	out.Clip(mvt.MapboxGLDefaultExtentBound)
	out.Simplify(simplify.DouglasPeucker(1.0))
	out.RemoveEmpty(1.0, 1.0)
	data, err := mvt.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode tile %d/%d/%d: %w", z, x, y, err)
	}
	t.cache.put(key, data)
	return data, nil
}

// tileFeatures returns copies (projection rewrites coordinates in place) of
// the features of one layer that meet the bound.
func (s *snapshot) tileFeatures(name string, b orb.Bound, scope region.Scope) []*geojson.Feature {
	var fs []*geojson.Feature
	min, max := [2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}
	switch name {
	case "stations":
		for _, st := range s.stations {
			if b.Contains(st.Location) && scope.Contains(st.Path) {
				f := geojson.NewFeature(st.Location)
				f.Properties = geojson.Properties{"code": st.Code, "name": st.Name}
				fs = append(fs, f)
			}
		}
		return fs
	case "police", "mediation":
		li := s.overlays[name]
		if li == nil || !scope.IsAll() && !s.scopeMeets(scope, b) {
			return nil
		}
		li.boxes.Search(min, max, func(_, _ [2]float64, id int) bool {
			f := li.features[id]
			gf := geojson.NewFeature(orb.Clone(f.Geom))
			gf.Properties = geojson.Properties{"code": f.Code, "name": f.Name, "layer": name}
			fs = append(fs, gf)
			return true
		})
		return fs
	}
	level := map[string]region.Level{"county": region.County, "township": region.Township, "village": region.Village,
		"grid": region.Grid, "exclusive": region.Grid}[name]
	li := s.levels[level]
	if li == nil {
		return nil
	}
	li.boxes.Search(min, max, func(_, _ [2]float64, id int) bool {
		f := li.features[id]
		if !scope.Contains(f.Path) {
			return true
		}
		if level == region.Grid && (name == "exclusive") != (f.Kind == region.Exclusive) {
			return true
		}
		gf := geojson.NewFeature(orb.Clone(f.Geom))
		gf.Properties = geojson.Properties{"code": f.Code, "name": f.Name, "level": f.Level.String()}
		if f.Kind != "" {
			gf.Properties["kind"] = string(f.Kind)
		}
		if f.Subtype != "" {
			gf.Properties["subtype"] = f.Subtype
		}
		fs = append(fs, gf)
		return true
	})
	return fs
}

// scopeMeets reports whether the scope's root region meets the bound, so
// scoped users see overlay networks only around their own area.
func (s *snapshot) scopeMeets(scope region.Scope, b orb.Bound) bool {
	for _, f := range s.byCode {
		if f.Path == scope.Path() {
			return f.Geom != nil && f.Geom.Bound().Intersects(b)
		}
	}
	return false
}
