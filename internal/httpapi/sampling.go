package httpapi

import (
	"net/http"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/registry"
)

func (s *Server) startSampling(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Month      string `json:"month"`
		RegionCode string `json:"region_code"`
		PerGrid    int    `json:"per_grid"`
		Seed       int64  `json:"seed"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	round, err := s.opts.Registry.StartSampling(r.Context(), p, registry.SamplingStart{
		Month: req.Month, RegionCode: req.RegionCode, PerGrid: req.PerGrid, Seed: req.Seed,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, round)
}

func (s *Server) listSamplingRounds(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	query := registry.SamplingRoundQuery{Month: q.Get("month"), Region: q.Get("region"),
		Before: int64(intParam(q.Get("before"), 0, "before", &fs)), Limit: intParam(q.Get("limit"), 50, "limit", &fs)}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	items, next, err := s.opts.Registry.ListSamplingRounds(r.Context(), p, query)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := map[string]any{"items": items}
	if next > 0 {
		resp["next_before"] = next
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) samplingAccuracy(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, err := s.opts.Registry.SamplingAccuracy(r.Context(), p, id, r.URL.Query().Get("region"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) pendingSamples(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	query := registry.SampleQuery{Round: int64(intParam(q.Get("round"), 0, "round", &fs)),
		After: int64(intParam(q.Get("after"), 0, "after", &fs)), Limit: intParam(q.Get("limit"), 100, "limit", &fs)}
	if raw := q.Get("mine"); raw != "" {
		mine, err := strconv.ParseBool(raw)
		if err != nil {
			fs.Add("mine", "must be true or false")
		}
		query.Mine = mine
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	items, next, err := s.opts.Registry.PendingSamples(r.Context(), p, query)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := map[string]any{"items": items}
	if next > 0 {
		resp["next_after"] = next
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) getSample(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	item, err := s.opts.Registry.GetSample(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, item)
}

// personCorrection is the body of a person's correction: the fields of
// PATCH /api/v1/persons/{id}.
type personCorrection struct {
	Version       int                   `json:"version"`
	Name          *string               `json:"name"`
	Phone         *string               `json:"phone"`
	ResidenceType *string               `json:"residence_type"`
	HouseholdNo   *string               `json:"household_no"`
	Relation      *string               `json:"relation"`
	GridCode      *string               `json:"grid_code"`
	Houses        *[]registry.HouseLink `json:"houses"`
	Tags          *[]registry.Tag       `json:"tags"`
}

func (c personCorrection) patch() *registry.PersonPatch {
	out := &registry.PersonPatch{Version: c.Version, Name: c.Name, Phone: c.Phone, HouseholdNo: c.HouseholdNo,
		Relation: c.Relation, GridCode: c.GridCode, Houses: c.Houses, Tags: c.Tags}
	if c.ResidenceType != nil {
		rt := registry.ResidenceType(*c.ResidenceType)
		out.ResidenceType = &rt
	}
	return out
}

// houseCorrection is the body of a house's correction: the fields of
// POST /api/v1/houses that may change, each optional.
type houseCorrection struct {
	Version     int      `json:"version"`
	Estate      *string  `json:"estate"`
	Building    *string  `json:"building"`
	Unit        *string  `json:"unit"`
	Room        *string  `json:"room"`
	Address     *string  `json:"address"`
	Lng         *float64 `json:"lng"`
	Lat         *float64 `json:"lat"`
	CRS         string   `json:"crs"`
	GridCode    *string  `json:"grid_code"`
	Usage       *string  `json:"usage"`
	Structure   *string  `json:"structure"`
	FloorAreaM2 *float64 `json:"floor_area_m2"`
}

func (c houseCorrection) patch() (*registry.HousePatch, error) {
	out := &registry.HousePatch{Version: c.Version, Estate: c.Estate, Building: c.Building, Unit: c.Unit, Room: c.Room,
		Address: c.Address, GridCode: c.GridCode, Structure: c.Structure, FloorAreaM2: c.FloorAreaM2}
	if c.Usage != nil {
		u := registry.Usage(*c.Usage)
		out.Usage = &u
	}
	if (c.Lng == nil) != (c.Lat == nil) {
		return nil, apperr.Field("house.lat", "lng and lat go together")
	}
	if c.Lng != nil {
		crs, err := parseCRS(c.CRS)
		if err != nil {
			return nil, fieldsUnder("house", err)
		}
		pt, err := toWGS84Point(*c.Lng, *c.Lat, crs)
		if err != nil {
			return nil, fieldsUnder("house", err)
		}
		out.Location = &orb.Point{pt[0], pt[1]}
	}
	return out, nil
}

// fieldsUnder names an error's fields under the body object that held them.
func fieldsUnder(object string, err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = apperr.FieldError{Field: object + "." + f.Field, Reason: f.Reason}
	}
	return &out
}

func (s *Server) checkSample(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Result string            `json:"result"`
		Note   string            `json:"note"`
		Person *personCorrection `json:"person"`
		House  *houseCorrection  `json:"house"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	check := registry.SampleCheck{Result: req.Result, Note: req.Note}
	if req.Person != nil {
		check.Person = req.Person.patch()
	}
	if req.House != nil {
		if check.House, err = req.House.patch(); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if _, err := s.opts.Registry.CheckSample(r.Context(), p, id, check); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
