package httpapi

import (
	"net/http"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/registry"
)

type houseRequest struct {
	Code        string   `json:"house_code"`
	Estate      string   `json:"estate"`
	Building    string   `json:"building"`
	Unit        string   `json:"unit"`
	Room        string   `json:"room"`
	Address     string   `json:"address"`
	Lng         *float64 `json:"lng"`
	Lat         *float64 `json:"lat"`
	CRS         string   `json:"crs"`
	GridCode    string   `json:"grid_code"`
	Usage       string   `json:"usage"`
	Structure   string   `json:"structure"`
	FloorAreaM2 *float64 `json:"floor_area_m2"`
}

func (s *Server) saveHouse(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req houseRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	h := registry.House{Code: req.Code, Estate: req.Estate, Building: req.Building, Unit: req.Unit, Room: req.Room,
		Address: req.Address, GridCode: req.GridCode, Usage: registry.Usage(req.Usage), Structure: req.Structure, FloorAreaM2: req.FloorAreaM2}
	if (req.Lng == nil) != (req.Lat == nil) {
		s.writeError(w, r, apperr.Field("lat", "lng and lat go together"))
		return
	}
	if req.Lng != nil {
		crs, err := parseCRS(req.CRS)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		pt, err := toWGS84Point(*req.Lng, *req.Lat, crs)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h.Location = &orb.Point{pt[0], pt[1]}
	}
	saved, created, err := s.opts.Registry.SaveHouse(r.Context(), p, h)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, saved)
}

func (s *Server) getHouse(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	h, err := s.opts.Registry.GetHouse(r.Context(), p, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) listHouses(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	hq := registry.HouseQuery{Region: q.Get("region"), Usage: registry.Usage(q.Get("usage")),
		After: int64(intParam(q.Get("after"), 0, "after", &fs)), Limit: intParam(q.Get("limit"), 100, "limit", &fs)}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	hq.Limit = min(max(hq.Limit, 1), 500)
	// One row more than the page tells whether another page follows.
	items, err := s.opts.Registry.ListHouses(r.Context(), p, registry.HouseQuery{Region: hq.Region, Usage: hq.Usage, After: hq.After, Limit: hq.Limit + 1})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := map[string]any{"items": items}
	if hq.Limit > 0 && len(items) > hq.Limit {
		items = items[:hq.Limit]
		resp["items"], resp["next_after"] = items, items[len(items)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
}

type personRequest struct {
	Name          string               `json:"name"`
	IDNumber      string               `json:"id_number"`
	Phone         string               `json:"phone"`
	ResidenceType string               `json:"residence_type"`
	HouseholdNo   string               `json:"household_no"`
	Relation      string               `json:"relation"`
	GridCode      string               `json:"grid_code"`
	Houses        []registry.HouseLink `json:"houses"`
	Tags          []registry.Tag       `json:"tags"`
}

func (s *Server) savePerson(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req personRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, created, err := s.opts.Registry.SavePerson(r.Context(), p, registry.PersonInput{
		Name: req.Name, IDNumber: req.IDNumber, Phone: req.Phone, ResidenceType: registry.ResidenceType(req.ResidenceType),
		HouseholdNo: req.HouseholdNo, Relation: req.Relation, GridCode: req.GridCode, Houses: req.Houses, Tags: req.Tags,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, v)
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.opts.Registry.GetPerson(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) searchPersons(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var q registry.SearchQuery
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &q); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Registry.Search(r.Context(), p, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) revealPerson(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Purpose string `json:"purpose"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.opts.Registry.Reveal(r.Context(), p, id, req.Purpose)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) updatePerson(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
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
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	patch := registry.PersonPatch{Version: req.Version, Name: req.Name, Phone: req.Phone, HouseholdNo: req.HouseholdNo,
		Relation: req.Relation, GridCode: req.GridCode, Houses: req.Houses, Tags: req.Tags}
	if req.ResidenceType != nil {
		rt := registry.ResidenceType(*req.ResidenceType)
		patch.ResidenceType = &rt
	}
	v, err := s.opts.Registry.UpdatePerson(r.Context(), p, id, patch)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
