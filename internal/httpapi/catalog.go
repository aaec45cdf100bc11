package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/region"
)

// catalogRoutes serves the event catalog: departments, the category tree and
// routing rules, each when its service is configured.
func (s *Server) catalogRoutes(mux *http.ServeMux) {
	if s.opts.Categories != nil {
		mux.Handle("GET /api/v1/categories", s.authed(s.categoryTree, 0))
		mux.Handle("POST /api/v1/categories", s.authed(s.createCategory, 0))
		mux.Handle("GET /api/v1/categories/{code}", s.authed(s.getCategory, 0))
		mux.Handle("PATCH /api/v1/categories/{code}", s.authed(s.updateCategory, 0))
	}
	if s.opts.Departments != nil {
		mux.Handle("GET /api/v1/departments", s.authed(s.listDepartments, 0))
		mux.Handle("POST /api/v1/departments", s.authed(s.createDepartment, 0))
		mux.Handle("GET /api/v1/departments/{code}", s.authed(s.getDepartment, 0))
		mux.Handle("PATCH /api/v1/departments/{code}", s.authed(s.updateDepartment, 0))
		mux.Handle("GET /api/v1/routing-rules", s.authed(s.listRules, 0))
		mux.Handle("POST /api/v1/routing-rules", s.authed(s.createRule, 0))
		mux.Handle("GET /api/v1/routing-rules/resolve", s.authed(s.resolveRoute, 0))
		mux.Handle("GET /api/v1/routing-rules/{id}", s.authed(s.getRule, 0))
		mux.Handle("PATCH /api/v1/routing-rules/{id}", s.authed(s.updateRule, 0))
		mux.Handle("DELETE /api/v1/routing-rules/{id}", s.authed(s.deleteRule, 0))
	}
}

// pageParams reads page and page_size.
func pageParams(r *http.Request, fs *apperr.Fields) (page, size int) {
	q := r.URL.Query()
	return intParam(q.Get("page"), 1, "page", fs), intParam(q.Get("page_size"), 50, "page_size", fs)
}

func boolParam(raw, name string, fs *apperr.Fields) *bool {
	if raw == "" {
		return nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		fs.Add(name, "must be true or false")
		return nil
	}
	return &v
}

// versionParam reads the version a DELETE acts on, from If-Match ("3" or
// W/"3") or ?version=.
func versionParam(r *http.Request) (int, error) {
	raw := strings.TrimSpace(r.Header.Get("If-Match"))
	field := "If-Match"
	if raw == "" {
		raw, field = r.URL.Query().Get("version"), "version"
	}
	if raw == "" {
		return 0, apperr.Field("version", "is required: send If-Match or ?version= with the version you read")
	}
	n, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(raw, "W/"), `"`))
	if err != nil || n <= 0 {
		return 0, apperr.Field(field, "must be the positive version number you read")
	}
	return n, nil
}

// --- Departments -------------------------------------------------------------

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	page, size := pageParams(r, &fs)
	query := department.Query{Q: q.Get("q"), Region: q.Get("region"), Parent: q.Get("parent"),
		Active: boolParam(q.Get("active"), "active", &fs), Page: page, PageSize: size}
	if raw := q.Get("level"); raw != "" {
		l, err := region.ParseLevel(raw)
		if err != nil || l > region.Township {
			fs.Add("level", "must be city, county or township")
		}
		query.Level = l
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Departments.List(r.Context(), p, query)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) getDepartment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	d, err := s.opts.Departments.Get(r.Context(), p, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Code       string `json:"code"`
		Name       string `json:"name"`
		Level      string `json:"level"`
		RegionCode string `json:"region_code"`
		ParentCode string `json:"parent_code"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	d := department.Department{Code: req.Code, Name: req.Name, RegionCode: req.RegionCode, ParentCode: req.ParentCode}
	if req.Level != "" {
		l, err := region.ParseLevel(req.Level)
		if err != nil || l > region.Township {
			s.writeError(w, r, apperr.Field("level", "must be city, county or township"))
			return
		}
		d.Level = l
	}
	d, err := s.opts.Departments.Create(r.Context(), p, d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) updateDepartment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Version    int     `json:"version"`
		Name       *string `json:"name"`
		ParentCode *string `json:"parent_code"`
		Active     *bool   `json:"active"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.opts.Departments.Update(r.Context(), p, r.PathValue("code"), department.Patch{
		Version: req.Version, Name: req.Name, ParentCode: req.ParentCode, Active: req.Active})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// --- Categories --------------------------------------------------------------

func (s *Server) categoryTree(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	tree, err := s.opts.Categories.Visible(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": tree})
}

func (s *Server) getCategory(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	c, err := s.opts.Categories.Get(r.Context(), r.PathValue("code"))
	if err == nil && !c.Active && !p.Can(auth.PermCatalogManage) {
		err = apperr.New(apperr.NotFound, "category %s not found", c.Code)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) createCategory(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Code                 string           `json:"code"`
		ParentCode           string           `json:"parent_code"`
		Name                 string           `json:"name"`
		NameEn               string           `json:"name_en"`
		Keywords             []string         `json:"keywords"`
		Sort                 int              `json:"sort"`
		Leaf                 bool             `json:"leaf"`
		RegistrationStandard string           `json:"registration_standard"`
		ClosingStandard      string           `json:"closing_standard"`
		DefaultUrgency       category.Urgency `json:"default_urgency"`
		Limits               *category.Limits `json:"limits"`
		YellowAt             *float64         `json:"yellow_at"`
		RedAt                *float64         `json:"red_at"`
		Private              bool             `json:"private"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c := category.Category{Code: req.Code, ParentCode: req.ParentCode, Name: req.Name, NameEn: req.NameEn, Keywords: req.Keywords,
		Sort: req.Sort, Leaf: req.Leaf, RegistrationStandard: req.RegistrationStandard, ClosingStandard: req.ClosingStandard,
		DefaultUrgency: req.DefaultUrgency, Limits: req.Limits, YellowAt: category.DefaultYellowAt, RedAt: category.DefaultRedAt,
		Private: req.Private}
	if req.YellowAt != nil {
		c.YellowAt = *req.YellowAt
	}
	if req.RedAt != nil {
		c.RedAt = *req.RedAt
	}
	created, err := s.opts.Categories.Create(r.Context(), p, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

func (s *Server) updateCategory(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Version              int               `json:"version"`
		Name                 *string           `json:"name"`
		NameEn               *string           `json:"name_en"`
		Keywords             *[]string         `json:"keywords"`
		Sort                 *int              `json:"sort"`
		RegistrationStandard *string           `json:"registration_standard"`
		ClosingStandard      *string           `json:"closing_standard"`
		DefaultUrgency       *category.Urgency `json:"default_urgency"`
		Limits               *category.Limits  `json:"limits"`
		YellowAt             *float64          `json:"yellow_at"`
		RedAt                *float64          `json:"red_at"`
		Private              *bool             `json:"private"`
		Active               *bool             `json:"active"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.opts.Categories.Update(r.Context(), p, r.PathValue("code"), category.Patch{
		Version: req.Version, Name: req.Name, NameEn: req.NameEn, Keywords: req.Keywords, Sort: req.Sort,
		RegistrationStandard: req.RegistrationStandard, ClosingStandard: req.ClosingStandard, DefaultUrgency: req.DefaultUrgency,
		Limits: req.Limits, YellowAt: req.YellowAt, RedAt: req.RedAt, Private: req.Private, Active: req.Active})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// --- Routing rules -----------------------------------------------------------

func (s *Server) listRules(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	page, size := pageParams(r, &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Departments.ListRules(r.Context(), p, department.RuleQuery{Category: q.Get("category"), Region: q.Get("region"),
		Department: q.Get("department"), Page: page, PageSize: size})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rule, err := s.opts.Departments.GetRule(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		CategoryCode   string   `json:"category_code"`
		RegionCode     string   `json:"region_code"`
		LeadDepartment string   `json:"lead_department"`
		Assisting      []string `json:"assisting"`
		Note           string   `json:"note"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	rule, err := s.opts.Departments.CreateRule(r.Context(), p, department.Rule{CategoryCode: req.CategoryCode, RegionCode: req.RegionCode,
		LeadDepartment: req.LeadDepartment, Assisting: req.Assisting, Note: req.Note})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rule)
}

func (s *Server) updateRule(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Version        int       `json:"version"`
		CategoryCode   *string   `json:"category_code"`
		RegionCode     *string   `json:"region_code"`
		LeadDepartment *string   `json:"lead_department"`
		Assisting      *[]string `json:"assisting"`
		Note           *string   `json:"note"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	rule, err := s.opts.Departments.UpdateRule(r.Context(), p, id, department.RulePatch{Version: req.Version, CategoryCode: req.CategoryCode,
		RegionCode: req.RegionCode, LeadDepartment: req.LeadDepartment, Assisting: req.Assisting, Note: req.Note})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	version, err := versionParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.opts.Departments.DeleteRule(r.Context(), p, id, version); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) resolveRoute(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	res, err := s.opts.Departments.Resolve(r.Context(), p, q.Get("category"), q.Get("region"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
