package registry

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/gridgov/gridgov/internal/region"
)

// drawn is one record picked for a round.
type drawn struct {
	kind       string // person or house
	id         int64
	grid, path string
	key        uint64
}

// draw picks, in every grid under path, the perGrid persons and the perGrid
// houses with the smallest keys. A key is a hash of the seed, the month, the
// record type and the record's id, so the same month, region and seed draw
// the same records from the same registry — on any engine and in any row
// order — and a record added later changes the draw only if its own key
// ranks it in. SQL's RANDOM() gives neither, and the engines share no
// seeded hash, hence the scan in Go (one pass, perGrid kept per grid).
func (s *Service) draw(ctx context.Context, path, month string, seed int64, perGrid int) ([]drawn, error) {
	lo, hi := region.Under(path).Range()
	var out []drawn
	for _, kind := range []string{"person", "house"} {
		best := map[string][]drawn{}
		rows, err := s.db.Read().QueryContext(ctx, `SELECT id, grid_code, region_path FROM `+kind+`s
			WHERE region_path >= $1 AND region_path < $2`, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("draw %ss: %w", kind, err)
		}
		for rows.Next() {
			d := drawn{kind: kind}
			if err := rows.Scan(&d.id, &d.grid, &d.path); err != nil {
				rows.Close()
				return nil, fmt.Errorf("draw %ss: %w", kind, err)
			}
			d.key = drawKey(seed, month, kind, d.id)
			best[d.grid] = keep(best[d.grid], d, perGrid)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("draw %ss: %w", kind, err)
		}
		grids := make([]string, 0, len(best))
		for g := range best {
			grids = append(grids, g)
		}
		slices.Sort(grids)
		for _, g := range grids {
			out = append(out, best[g]...)
		}
	}
	return out, nil
}

func drawLess(a, b drawn) int {
	return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.id, b.id))
}

// keep inserts d into list, sorted by key and at most n long.
func keep(list []drawn, d drawn, n int) []drawn {
	if len(list) == n && drawLess(d, list[n-1]) >= 0 {
		return list
	}
	i, _ := slices.BinarySearchFunc(list, d, drawLess)
	list = slices.Insert(list, i, d)
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// drawKey hashes the draw's inputs: the seed and month first, so that two
// seeds give unrelated orders, then the record's id.
func drawKey(seed int64, month, kind string, id int64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(month))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	return mix64(mix64(uint64(seed)^h.Sum64()) ^ uint64(id)*0x9e3779b97f4a7c15)
}

// mix64 is SplitMix64's finaliser: every input bit moves every output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
