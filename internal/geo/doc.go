// Package geo is the pure computation on coordinates and boundaries that the
// grid, event and import code share: China's GCJ-02 offset and its exact
// inverse, checking and repairing polygons, areas and distances on the WGS-84
// ellipsoid, and the overlay operations that check whether child regions tile
// their parent.
//
// Coordinates are longitude, latitude in degrees (orb's X, Y). The canonical
// system is WGS-84 (CGCS2000 differs from it by centimetres, below what
// boundaries resolve); GCJ-02 is accepted at the edges and converted with
// ToWGS84 before anything is stored or measured.
//
// A boundary from outside goes through Check (with a vertex limit, which
// refuses oversized input before any other work), then Normalize. Every
// problem but an unclosed ring is fatal; winding is repaired silently.
//
// Edges are straight lines in longitude/latitude everywhere: in the overlay
// operations (github.com/peterstace/simplefeatures, planar) and in AreaM2,
// which integrates exactly over the ellipsoid for that edge model. Areas are
// therefore additive under the overlays, so an exact tiling reports exactly
// no gap. Against geodesic edges (PostGIS geography, GeographicLib) an edge of
// length L differs by at most L³·tan φ/(12R) of area, about 13 m² for a 1 km
// edge at 46°N.
//
// The package holds no state and touches no database; every function is safe
// for concurrent use.
package geo
